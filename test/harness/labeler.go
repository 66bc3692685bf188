package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"
	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/labeler/app"
	"github.com/gpuguard/gpuguard/labeler/device"
	"github.com/gpuguard/gpuguard/webhooks/facts"
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

// EnsureDeviceIDs publishes gpuguard.io/pci-device-ids on the labeler's node,
// as the labeler's own identity, from the mock GPUs' PciInfo.PciDeviceId,
// when the labeler has not published it. It bridges the time until every
// labeler build publishes the annotation itself; the value is the one the
// labeler writes, so the two never disagree.
func (cp *ControlPlane) EnsureDeviceIDs(ctx context.Context, l *Labeler) error {
	n, err := cp.Clientset.CoreV1().Nodes().Get(ctx, l.Node, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("reading node %s: %w", l.Node, err)
	}
	if _, ok := n.Annotations[facts.AnnotationPCIDeviceIDs]; ok {
		return nil
	}
	var ids []string
	for _, d := range l.Sim.Server.Devices {
		ids = append(ids, fmt.Sprintf("0x%08X", d.(*server.Device).Config.PciDeviceId))
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{
		facts.AnnotationPCIDeviceIDs: strings.Join(ids, ","),
	}}})
	if err != nil {
		return fmt.Errorf("encoding the annotation patch: %w", err)
	}
	cs, err := kubernetes.NewForConfig(cp.LabelerConfig(l.Node))
	if err != nil {
		return fmt.Errorf("building the labeler's client: %w", err)
	}
	if _, err := cs.CoreV1().Nodes().Patch(ctx, l.Node, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("publishing %s on node %s as its labeler: %w", facts.AnnotationPCIDeviceIDs, l.Node, err)
	}
	return nil
}
