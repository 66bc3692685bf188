// Command bench-load measures gpuguard's webhook server under load, next to
// a no-op controller-runtime webhook server in the same process, in
// alternating rounds of a fixed number of requests (`make bench-load`):
//
//   - direct: the same AdmissionReview bodies (perf.Reviews) posted over
//     HTTPS on 127.0.0.1 to gpuguard, to the no-op server's allow-all handler
//     and to its handler returning gpuguard's patch, at each connection count;
//   - through the API server: GPU pod creates in a namespace no webhook
//     matches, in one gpuguard's webhooks match, and in one the same
//     webhooks, pointed at the no-op server, match.
//
// It prints reviews/s, p50 and p99 for each and gpuguard's ratios to the
// baselines. It needs the control-plane binaries (make k8s-bin).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

type options struct {
	rounds, reviews, pods int
	conns                 []int
	direct, apiServer     bool
	cpuProfile            string
	log                   logr.Logger
}

func main() {
	var o options
	var conns string
	flag.IntVar(&o.rounds, "rounds", 5, "alternating rounds; each target gets one per round")
	flag.IntVar(&o.reviews, "reviews", 400, "direct: reviews per target, round and connection count")
	flag.IntVar(&o.pods, "pods", 100, "API server: pod creates per mode, round and client count")
	flag.StringVar(&conns, "conns", "1,8", "connection (and API client) counts, comma-separated")
	flag.BoolVar(&o.direct, "direct", true, "measure the webhook servers directly over HTTPS")
	flag.BoolVar(&o.apiServer, "apiserver", true, "measure pod creates through the API server")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the measurements (servers and clients of this process) to this file")
	flag.Parse()
	for _, s := range strings.Split(conns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "bench-load: -conns %q: want positive integers separated by commas, e.g. 1,8\n", conns)
			os.Exit(2)
		}
		o.conns = append(o.conns, n)
	}
	// Progress goes to stderr; the servers log as in production (zap, info)
	// into the same place, which under load stays quiet.
	o.log = zap.New(zap.WriteTo(os.Stderr))
	ctrl.SetLogger(o.log)
	if err := runUntilSignal(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench-load:", err)
		os.Exit(1)
	}
}

// profileCPU starts a CPU profile into path; the function returned stops
// it and closes the file.
func profileCPU(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }, nil
}

// runUntilSignal runs the measurements; an interrupt stops them and still
// stops the servers and the control plane.
func runUntilSignal(o options) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, o)
}

func run(ctx context.Context, o options) (err error) {
	e, err := start(ctx, o.log)
	if err != nil {
		return err
	}
	defer func() {
		if serr := e.stop(context.WithoutCancel(ctx)); serr != nil && err == nil {
			err = serr
		}
	}()
	fmt.Printf("bench-load: %d rounds, GOMAXPROCS %d, %d CPUs\n", o.rounds, gomaxprocs(), numCPU())
	if o.cpuProfile != "" {
		stopProfile, err := profileCPU(o.cpuProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	if o.direct {
		if err := direct(ctx, e, o); err != nil {
			return err
		}
	}
	if o.apiServer {
		return throughAPIServer(ctx, e, o)
	}
	return nil
}
