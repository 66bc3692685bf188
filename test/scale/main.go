package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/labeler"
	"github.com/gpuguard/gpuguard/test/harness"
)

type options struct {
	small, large      int
	rounds, pairs     int
	edits, workers    int
	webhookBin        string
	keepLogs, verbose bool
}

// phase is what one webhook process measured on one fleet size.
type phase struct {
	name  string
	nodes int
	// ready is exec to /readyz 200: process start plus the Node informer's
	// first list and sync.
	ready time.Duration
	// mem is the process's memory once the phase's load is done.
	mem usage
	// rounds of pod creates and label edits, in order.
	rounds []round
	// podUse and editUse are the webhook's CPU and handler time over all
	// pod creates and over all label edits.
	podUse, editUse usage
}

type round struct{ pods, edits pair }

func main() {
	var o options
	flag.IntVar(&o.small, "small", 100, "nodes in the small fleet (measured before and after the large one)")
	flag.IntVar(&o.large, "large", 5000, "nodes in the large fleet")
	flag.IntVar(&o.rounds, "rounds", 5, "rounds per measurement; the added p50 compared is the median of the rounds'")
	flag.IntVar(&o.pairs, "pairs", 100, "GPU pod creates per round, each followed by a CPU pod create")
	flag.IntVar(&o.edits, "edits", 40, "deploy-label edits per round, each followed by an edit of a label the node webhook skips")
	flag.IntVar(&o.workers, "workers", 8, "parallel node writers while growing the fleet")
	flag.StringVar(&o.webhookBin, "webhook-bin", "", "gpuguard-webhook binary to measure (default: built from this tree)")
	flag.BoolVar(&o.keepLogs, "keep", false, "keep the work directory (webhook logs, kubeconfigs) instead of removing it")
	flag.BoolVar(&o.verbose, "v", false, "log the control plane's progress too")
	flag.Parse()
	if o.small < 1 || o.large <= o.small || o.rounds < 1 || o.pairs < 1 || o.edits < 1 || o.workers < 1 {
		fmt.Fprintln(os.Stderr, "bench-scale: need 1 <= -small < -large and positive -rounds, -pairs, -edits, -workers")
		os.Exit(2)
	}
	// Ctrl-C or SIGTERM cancels the run; everything started is then
	// stopped and the work directory removed by the deferred cleanups.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o, zap.New(zap.UseDevMode(true)), os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-scale:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, log logr.Logger, out *os.File) (err error) {
	begin := time.Now()
	m := machineNow()
	dir, err := os.MkdirTemp("", "gpuguard-bench-scale-")
	if err != nil {
		return fmt.Errorf("creating the work directory: %w", err)
	}
	defer func() {
		if o.keepLogs {
			log.Info("work directory kept", "dir", dir)
			return
		}
		err = errors.Join(err, os.RemoveAll(dir))
	}()
	cpLog := logr.Discard()
	if o.verbose {
		cpLog = log
	}
	log.Info("starting etcd and kube-apiserver", "dir", dir)
	cp, err := harness.Start(harness.Options{Dir: dir, Log: cpLog})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, cp.Stop()) }()
	// Cleanups run on a fresh context: the run's may be cancelled.
	cleanup := context.WithoutCancel(ctx)
	chart, err := harness.RenderChart("mig.strategy=mixed")
	if err != nil {
		return err
	}
	if err := cp.Install(ctx, chart); err != nil {
		return err
	}
	policy, err := cp.PolicyFrom(chart, "policy.yaml")
	if err != nil {
		return err
	}
	if err := cp.CreateRuntimeClass(ctx, config.DefaultRuntimeClassName); err != nil {
		return err
	}
	facts, err := kindFacts("mixed")
	if err != nil {
		return err
	}
	log.Info("building gpuguard-webhook and its certificate")
	env, err := newWebhookEnv(ctx, cp, dir, o.webhookBin, policy, chart)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, env.unregister(cleanup)) }()

	var phases []phase
	measureAt := func(name string, nodes int) error {
		p, err := measure(ctx, env, cp, name, nodes, o, log)
		if err != nil {
			return err
		}
		phases = append(phases, p)
		return nil
	}
	steps := []func() error{
		func() error { return growTo(ctx, cp, facts, 0, o.small, o, log) },
		func() error { return measureAt("small, before", o.small) },
		func() error { return growTo(ctx, cp, facts, o.small, o.large, o, log) },
		func() error { return measureAt("large", o.large) },
		func() error {
			start := time.Now()
			if err := shrink(ctx, cp); err != nil {
				return err
			}
			log.Info("deleted the extra nodes", "nodes", o.small, "took", time.Since(start).Round(time.Millisecond))
			return nil
		},
		func() error { return measureAt("small, after", o.small) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	m.end()
	report(out, o, m, phases, time.Since(begin))
	return nil
}

func growTo(ctx context.Context, cp *harness.ControlPlane, facts []*labeler.Facts, from, to int, o options, log logr.Logger) error {
	start := time.Now()
	log.Info("creating and labelling nodes", "from", from, "to", to, "workers", o.workers)
	if err := grow(ctx, cp, facts, from, to, o.small, o.workers, log); err != nil {
		return err
	}
	log.Info("fleet ready", "nodes", to, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// measure starts a webhook process on the fleet as it is (timing exec to
// ready), drives the rounds, reads its memory and stops it again.
func measure(ctx context.Context, env *webhookEnv, cp *harness.ControlPlane, name string, nodes int, o options, log logr.Logger) (_ phase, err error) {
	p := phase{name: name, nodes: nodes}
	cleanup := context.WithoutCancel(ctx)
	log.Info("starting gpuguard-webhook", "phase", name, "nodes", nodes)
	w, ready, err := env.start(ctx, "webhook-"+strings.NewReplacer(", ", "-", " ", "-").Replace(name))
	if err != nil {
		return p, err
	}
	defer func() { err = errors.Join(err, w.stop()) }()
	p.ready = ready
	if err := env.register(ctx); err != nil {
		return p, err
	}
	defer func() { err = errors.Join(err, env.unregister(cleanup)) }()
	log.Info("webhook ready; measuring", "phase", name, "startToReady", ready.Round(time.Millisecond), "rounds", o.rounds)
	// Warm up: connections, the API server's webhook client, caches.
	if _, err := podCreates(ctx, cp.Clientset, 20); err != nil {
		return p, err
	}
	if _, err := labelEdits(ctx, cp.Clientset, "scale-0", 10, 0); err != nil {
		return p, err
	}
	before, err := w.usage(ctx)
	if err != nil {
		return p, err
	}
	p.podUse, p.editUse = usage{served: map[string]served{}}, usage{served: map[string]served{}}
	for r := range o.rounds {
		var rd round
		if rd.pods, err = podCreates(ctx, cp.Clientset, o.pairs); err != nil {
			return p, err
		}
		mid, err := w.usage(ctx)
		if err != nil {
			return p, err
		}
		if rd.edits, err = labelEdits(ctx, cp.Clientset, "scale-0", o.edits, r*o.edits); err != nil {
			return p, err
		}
		after, err := w.usage(ctx)
		if err != nil {
			return p, err
		}
		p.podUse.add(mid.since(before))
		p.editUse.add(after.since(mid))
		before = after
		p.rounds = append(p.rounds, rd)
	}
	if p.mem, err = w.usage(ctx); err != nil {
		return p, err
	}
	log.Info("measured", "phase", name, "nodes", nodes, "rssMiB", int(p.mem.rss), "heapMiB", int(p.mem.heap),
		"addedP50", median(addedP50s(p.rounds, podsOf)))
	return p, nil
}
