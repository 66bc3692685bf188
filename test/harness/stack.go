package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/go-logr/logr"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/config/vocab"
	"github.com/gpuguard/gpuguard/webhooks/server"
)

// Stack is the whole local system `make run` starts: control plane, scheduler and
// controllers, webhook server and simulated fleet.
type Stack struct {
	*ControlPlane
	// Cluster is kube-scheduler, kube-controller-manager and kwok.
	Cluster *Cluster
	Webhook *Webhook
	Fleet   []FakeNode
	// Labelers of the GPU nodes, by node name.
	Labelers map[string]*Labeler
	// Proxy is in front of the webhook server where StackOptions.Proxy
	// asked for one; nil otherwise.
	Proxy *Proxy

	// What the webhook server was started with, for RestartWebhook.
	chart      *Rendered
	webhookCfg server.Config
	webhookOpt WebhookOptions
}

// StackOptions configure StartStack. Zero values mean the defaults of
// `make run`.
type StackOptions struct {
	// Dir receives the kubeconfig. Default: a new temporary directory.
	Dir string
	// PolicyFile is the webhook's policy. Default: built-in defaults with
	// strategy mixed, written into Dir.
	PolicyFile string
	// Fleet is the simulated nodes. Default: DefaultFleet().
	Fleet []FakeNode
	// MIGStrategy is the chart's mig.strategy, for the policy and the
	// labelers. Default auto: both follow the ClusterPolicy.
	MIGStrategy string
	// OperatorMIGStrategy is spec.mig.strategy of the GPU Operator
	// ClusterPolicy the stack creates, as a GPU Operator install would have
	// it (the CRD is a minimal fixture of ours). Default mixed; "-" creates
	// no ClusterPolicy (the CRD is still installed).
	OperatorMIGStrategy string
	// LabelInterval between labeler cycles. Default 60s.
	LabelInterval time.Duration
	// Webhook configures the webhook server's certificates.
	Webhook WebhookOptions
	// Chart is further --set values for the chart (e.g.
	// podFailurePolicy=Fail). Default: none.
	Chart []string
	// Proxy registers the webhook configurations pointing at a Proxy in
	// front of the webhook server (Stack.Proxy), for outage tests.
	Proxy bool
	Log   logr.Logger
}

// StartStack starts everything and returns once the webhook serves, the
// scheduler and controllers are healthy and every node with a kubelet is
// Ready. On error, whatever was started is stopped again.
func StartStack(ctx context.Context, opts StackOptions) (_ *Stack, err error) {
	if opts.Fleet == nil {
		opts.Fleet = DefaultFleet()
	}
	if opts.Log.GetSink() == nil {
		opts.Log = logr.Discard()
	}
	if opts.MIGStrategy == "" {
		opts.MIGStrategy = "auto"
	}
	if opts.OperatorMIGStrategy == "" {
		opts.OperatorMIGStrategy = "mixed"
	}
	cp, err := Start(Options{Dir: opts.Dir, Log: opts.Log})
	if err != nil {
		return nil, err
	}
	s := &Stack{ControlPlane: cp, Fleet: opts.Fleet, Labelers: map[string]*Labeler{}}
	defer func() {
		if err != nil {
			err = errors.Join(err, s.Stop(context.WithoutCancel(ctx)))
		}
	}()
	// They start while the rest is set up; Ready below waits for them.
	opts.Log.Info("starting kube-scheduler, kube-controller-manager and kwok")
	if s.Cluster, err = cp.StartCluster(ctx); err != nil {
		return nil, err
	}
	opts.Log.Info("rendering the Helm chart", "chart", "config/helm/gpuguard")
	chart, err := RenderChart(append([]string{"mig.strategy=" + opts.MIGStrategy}, opts.Chart...)...)
	if err != nil {
		return nil, err
	}
	if err := cp.Install(ctx, chart); err != nil {
		return nil, err
	}
	opts.Log.Info("installing the GPU Operator's ClusterPolicy CRD", "migStrategy", opts.OperatorMIGStrategy)
	if err := cp.InstallClusterPolicyCRD(ctx); err != nil {
		return nil, err
	}
	if opts.OperatorMIGStrategy != "-" {
		if err := cp.SetClusterPolicyStrategy(ctx, opts.OperatorMIGStrategy); err != nil {
			return nil, err
		}
	}
	if opts.PolicyFile == "" {
		if opts.PolicyFile, err = cp.PolicyFrom(chart, "policy.yaml"); err != nil {
			return nil, err
		}
	}
	if opts.Proxy {
		if s.Proxy, err = StartProxy(); err != nil {
			return nil, err
		}
		opts.Webhook.Front = s.Proxy
	}
	opts.Log.Info("starting the webhook server")
	opts.Webhook.Register = true
	s.chart, s.webhookOpt = chart, opts.Webhook
	s.webhookCfg = server.Config{PolicyFile: opts.PolicyFile, Log: opts.Log.WithName("webhook")}
	if s.Webhook, err = cp.StartWebhook(ctx, s.webhookCfg, chart, opts.Webhook); err != nil {
		return nil, err
	}
	if err := cp.CreateRuntimeClass(ctx, config.DefaultRuntimeClassName); err != nil {
		return nil, err
	}
	opts.Log.Info("creating the simulated fleet", "nodes", len(opts.Fleet))
	if err := cp.CreateNodes(ctx, opts.Fleet); err != nil {
		return nil, err
	}
	for _, n := range opts.Fleet {
		if n.Simulate == "" {
			continue
		}
		l, err := cp.StartLabeler(ctx, n, LabelerOptions{MIGStrategy: opts.MIGStrategy, Interval: opts.LabelInterval})
		if err != nil {
			return nil, err
		}
		s.Labelers[n.Name] = l
	}
	// The device plugin follows the GPU Operator's strategy (none where
	// no ClusterPolicy says otherwise), which "auto" adopts.
	plugin := opts.MIGStrategy
	if plugin == "auto" {
		plugin = opts.OperatorMIGStrategy
	}
	if plugin == "-" {
		plugin = "none"
	}
	if err := s.reportDevices(ctx, plugin); err != nil {
		return nil, err
	}
	opts.Log.Info("waiting for the labelers to label their nodes", "labelers", len(s.Labelers))
	for name := range s.Labelers {
		if err := cp.WaitForLabel(ctx, name, vocab.LabelGPUPresent, "true"); err != nil {
			return nil, err
		}
	}
	opts.Log.Info("waiting for the scheduler, the controllers and Ready nodes")
	if err := s.Cluster.Ready(ctx); err != nil {
		return nil, err
	}
	var kubelets []string
	for _, n := range opts.Fleet {
		if n.Kubelet {
			kubelets = append(kubelets, n.Name)
		}
	}
	if err := cp.WaitNodesReady(ctx, kubelets...); err != nil {
		return nil, err
	}
	return s, nil
}

// reportDevices makes the GPU nodes with a kubelet advertise what the device
// plugin would find on their simulated GPUs.
func (s *Stack) reportDevices(ctx context.Context, strategy string) error {
	for _, n := range s.Fleet {
		l, ok := s.Labelers[n.Name]
		if !ok || !n.Kubelet {
			continue
		}
		snap, err := l.Sim.Reader().Read()
		if err != nil {
			return fmt.Errorf("reading the simulated GPUs of %s: %w", n.Name, err)
		}
		if err := s.ReportDevices(ctx, n.Name, DevicePluginResources(snap, strategy)); err != nil {
			return err
		}
	}
	return nil
}

// WaitForLabel waits up to a minute for a node to carry key=value.
func (cp *ControlPlane) WaitForLabel(ctx context.Context, node, key, value string) error {
	var last string
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		n := &corev1.Node{}
		if err := cp.Client.Get(ctx, client.ObjectKey{Name: node}, n); err != nil {
			return false, nil //nolint:nilerr // keep polling through transient errors
		}
		last = n.Labels[key]
		return last == value, nil
	})
	if err != nil {
		return fmt.Errorf("node %s never got %s=%s (last value %q): %w", node, key, value, last, err)
	}
	return nil
}

// RestartWebhook stops the webhook server, as Kill does, and starts a new
// one on the same address with the same policy and options, as a restarted
// pod behind the same Service; it returns once the new one is ready. The
// configurations stay as registered.
func (s *Stack) RestartWebhook(ctx context.Context) error {
	if err := s.Webhook.Kill(); err != nil {
		return fmt.Errorf("stopping the webhook server: %w", err)
	}
	o := s.webhookOpt
	o.Register = false
	o.Port = s.Webhook.port
	w, err := s.StartWebhook(ctx, s.webhookCfg, s.chart, o)
	if err != nil {
		return fmt.Errorf("starting the webhook server again: %w", err)
	}
	s.Webhook = w
	return nil
}

// Stop stops, in reverse order, everything StartStack started.
func (s *Stack) Stop(ctx context.Context) error {
	var errs []error
	for _, l := range s.Labelers {
		errs = append(errs, l.Stop())
	}
	if s.Cluster != nil {
		errs = append(errs, s.Cluster.Stop())
	}
	if s.Webhook != nil {
		errs = append(errs, s.Webhook.Stop(ctx))
	}
	if s.Proxy != nil {
		errs = append(errs, s.Proxy.Close())
	}
	errs = append(errs, s.ControlPlane.Stop())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("stopping the local stack: %w", err)
	}
	return nil
}

// Main is a test package's TestMain body: it starts a stack with opts,
// hands it to started (which keeps it and may prepare more; nil: nothing),
// runs the tests and stops the stack. It returns the exit code for os.Exit.
func Main(m *testing.M, opts StackOptions, started func(*Stack) error) int {
	ctx := context.Background()
	s, err := StartStack(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		if err := s.Stop(ctx); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}()
	if started != nil {
		if err := started(s); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return m.Run()
}
