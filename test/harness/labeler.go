package harness

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/labeler/app"
	"github.com/gpuguard/gpuguard/labeler/device"
)

// NodeNameExtra is the token extra the API server sets for a bound service
// account token of a pod: the node the pod runs on.
const NodeNameExtra = "authentication.kubernetes.io/node-name"

// Labeler is a simulated labeler running in this process.
type Labeler struct {
	Node string
	// Sim is the mock server it reads; change its MIG layout to act as the
	// MIG manager would.
	Sim *device.Simulation
	// Registry holds its metrics.
	Registry *prometheus.Registry

	requests *RequestCounter
	cancel   context.CancelFunc
	done     chan error
}

// LabelerOptions configure StartLabeler.
type LabelerOptions struct {
	// MIGStrategy is --mig-strategy. Default auto.
	MIGStrategy string
	// Interval between cycles. Default 60s, as in a cluster.
	Interval time.Duration
	// FactsFrom is the labeler's --facts-from. Default auto.
	FactsFrom string
	// NoDeployDefaults is --no-deploy-defaults.
	NoDeployDefaults bool
}

// LabelerConfig returns a REST config that acts as the labeler's service
// account running on node: the identity a labeler pod has in a cluster.
func (cp *ControlPlane) LabelerConfig(node string) *rest.Config {
	ns, name, _ := strings.Cut(config.LabelerServiceAccount, "/")
	return cp.Impersonate("system:serviceaccount:"+ns+":"+name,
		[]string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"},
		map[string][]string{NodeNameExtra: {node}})
}

// StartLabeler runs the real labeler code for a fake GPU node, reading the
// go-nvml mock server of n.Simulate, until Stop.
func (cp *ControlPlane) StartLabeler(ctx context.Context, n FakeNode, o LabelerOptions) (*Labeler, error) {
	sim, err := device.Simulate(n.Simulate)
	if err != nil {
		return nil, err
	}
	if o.Interval == 0 {
		o.Interval = time.Minute
	}
	if o.MIGStrategy == "" {
		o.MIGStrategy = "auto"
	}
	l := &Labeler{Node: n.Name, Sim: sim, Registry: prometheus.NewRegistry(), requests: &RequestCounter{}, done: make(chan error, 1)}
	rc := cp.LabelerConfig(n.Name)
	rc.Wrap(l.requests.Wrap)
	runCtx, cancel := context.WithCancel(ctx)
	l.cancel = cancel
	cfg := app.Config{
		NodeName: n.Name, MIGStrategy: o.MIGStrategy, SleepInterval: o.Interval,
		FailOnInitError: true, GracePeriod: 5 * time.Minute, FactsFrom: o.FactsFrom, NoDeployDefaults: o.NoDeployDefaults,
		RESTConfig: rc, Reader: sim.Reader(), Simulate: n.Simulate, Registry: l.Registry,
		Log: cp.log.WithName("labeler").WithValues("node", n.Name),
	}
	go func() { l.done <- app.Run(runCtx, cfg) }()
	return l, nil
}

// Outage makes every API request of the labeler fail (true) as if the API
// server were unreachable, or ends that (false).
func (l *Labeler) Outage(down bool) { l.requests.down.Store(down) }

// Writes returns how many write requests (anything but GET, LIST, WATCH)
// the labeler has sent to the API server.
func (l *Labeler) Writes() int { return l.requests.Writes() }

// Stop ends the labeler and returns its error.
func (l *Labeler) Stop() error {
	l.cancel()
	return <-l.done
}

// RequestCounter counts the requests a client sends, by method.
type RequestCounter struct {
	mu     sync.Mutex
	counts map[string]int
	down   atomic.Bool
}

// errOutage is what requests get during a simulated API outage.
var errOutage = errors.New("simulated API server outage: connection refused")

// Wrap is a rest.Config transport wrapper.
func (c *RequestCounter) Wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		c.mu.Lock()
		if c.counts == nil {
			c.counts = map[string]int{}
		}
		c.counts[req.Method]++
		c.mu.Unlock()
		if c.down.Load() {
			return nil, errOutage
		}
		return rt.RoundTrip(req)
	})
}

// Requests counts every request, failed ones included.
func (c *RequestCounter) Requests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.counts {
		n += v
	}
	return n
}

// Requests returns how many requests the labeler has sent, failed ones
// included.
func (l *Labeler) Requests() int { return l.requests.Requests() }

// Writes counts requests that can change state.
func (c *RequestCounter) Writes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for m, v := range c.counts {
		if m != http.MethodGet {
			n += v
		}
	}
	return n
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Cycles returns how many labelling cycles have completed.
func (l *Labeler) Cycles() int {
	families, err := l.Registry.Gather()
	if err != nil {
		return 0
	}
	for _, f := range families {
		if f.GetName() == "gpuguard_labeler_cycle_duration_seconds" {
			return int(f.GetMetric()[0].GetHistogram().GetSampleCount())
		}
	}
	return 0
}

// WaitCycles blocks until n more cycles have completed (at most a minute).
func (l *Labeler) WaitCycles(ctx context.Context, n int) error {
	target := l.Cycles() + n
	return wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		return l.Cycles() >= target, nil
	})
}
