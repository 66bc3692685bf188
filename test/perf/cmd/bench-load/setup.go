package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"slices"
	"time"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/test/harness"
	"github.com/gpuguard/gpuguard/test/perf"
	"github.com/gpuguard/gpuguard/webhooks/server"
)

// benchLabel on a namespace picks which webhooks see its pods.
const benchLabel = "gpuguard.io/bench"

type env struct {
	cp       *harness.ControlPlane
	gpuguard *harness.Webhook
	chart    *harness.Rendered
	noopAddr string
	reviews  []perf.Review
	// patches are gpuguard's answers to the reviews, by review name.
	patches  map[string][]byte
	stopNoop context.CancelFunc
	noopDone chan error
}

// start runs a control plane, gpuguard's webhook server as the chart
// installs it (its pod and DaemonSet webhooks limited to namespaces labelled
// gpuguard.io/bench=gpuguard), and the no-op server with the same TLS setup
// and certificate.
func start(ctx context.Context, log logr.Logger) (_ *env, err error) {
	e := &env{patches: map[string][]byte{}}
	if e.reviews, err = perf.Reviews(); err != nil {
		return nil, err
	}
	log.Info("starting etcd and kube-apiserver")
	if e.cp, err = harness.Start(harness.Options{Log: log.WithName("harness")}); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, e.stop(context.WithoutCancel(ctx)))
		}
	}()
	if e.chart, err = harness.RenderChart("mig.strategy=mixed"); err != nil {
		return nil, err
	}
	if err := e.cp.Install(ctx, e.chart); err != nil {
		return nil, err
	}
	policy, err := e.cp.PolicyFrom(e.chart, "policy.yaml")
	if err != nil {
		return nil, err
	}
	if err := e.cp.CreateRuntimeClass(ctx, config.DefaultRuntimeClassName); err != nil {
		return nil, err
	}
	// GPU nodes exist before the webhooks do, so that their facts are
	// offered and no node rule judges the set-up.
	for _, name := range []string{"gpu-h100-0", "gpu-h100-1"} {
		n := perf.RealisticNode(name)
		n.UID, n.ResourceVersion, n.ManagedFields = "", "", nil
		if err := e.cp.Client.Create(ctx, n); err != nil {
			return nil, fmt.Errorf("creating node %s: %w", name, err)
		}
	}
	for _, c := range e.chart.Objects {
		for _, h := range hooks(c) {
			onlyBench(h.selector, "gpuguard")
		}
	}
	log.Info("starting gpuguard's webhook server")
	e.gpuguard, err = e.cp.StartWebhook(ctx, server.Config{PolicyFile: policy, Log: log.WithName("gpuguard")}, e.chart, harness.WebhookOptions{Register: true})
	if err != nil {
		return nil, err
	}
	c := perf.NewClients(1)[0]
	for _, r := range e.reviews {
		resp, err := perf.Answer(ctx, c, "https://"+e.gpuguard.Addr+r.Path, r.Body)
		if err != nil {
			return nil, fmt.Errorf("review %s: %w", r.Name, err)
		}
		if !resp.Allowed {
			return nil, fmt.Errorf("gpuguard refused review %s: %+v", r.Name, resp.Result)
		}
		e.patches[r.Name] = resp.Patch
	}
	log.Info("starting the no-op webhook server")
	return e, e.startNoop(ctx)
}

// onlyBench narrows a namespace-scoped webhook to namespaces labelled
// gpuguard.io/bench=<mode>; cluster-scoped webhooks (nil selector) stay.
func onlyBench(sel *metav1.LabelSelector, mode string) {
	if sel == nil {
		return
	}
	sel.MatchExpressions = append(sel.MatchExpressions, metav1.LabelSelectorRequirement{
		Key: benchLabel, Operator: metav1.LabelSelectorOpIn, Values: []string{mode},
	})
}

// startNoop serves, with gpuguard's TLS settings and certificate, /noop
// (allow everything) and /patch/<review> (allow with gpuguard's patch).
func (e *env) startNoop(ctx context.Context) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("finding a free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	e.noopAddr = fmt.Sprintf("127.0.0.1:%d", port)
	hooks := webhook.NewServer(webhook.Options{Host: "127.0.0.1", Port: port, TLSOpts: []func(*tls.Config){func(c *tls.Config) {
		c.MinVersion, c.NextProtos = tls.VersionTLS12, []string{"http/1.1"}
		c.GetCertificate = e.gpuguard.Certs.GetCertificate
	}}})
	hooks.Register("/noop", perf.NoOp())
	for name, p := range e.patches {
		if len(p) > 0 {
			hooks.Register("/patch/"+name, perf.Patching(p))
		}
	}
	runCtx, cancel := context.WithCancel(ctx)
	e.stopNoop, e.noopDone = cancel, make(chan error, 1)
	go func() { e.noopDone <- hooks.Start(runCtx) }()
	return wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return hooks.StartedChecker()(&http.Request{}) == nil, nil
	})
}

func (e *env) stop(ctx context.Context) error {
	var errs []error
	if e.stopNoop != nil {
		e.stopNoop()
		errs = append(errs, <-e.noopDone)
	}
	if e.gpuguard != nil {
		errs = append(errs, e.gpuguard.Stop(ctx))
	}
	if e.cp != nil {
		errs = append(errs, e.cp.Stop())
	}
	return errors.Join(errs...)
}

// rotate returns xs starting at index i: round i of an alternation.
func rotate[T any](xs []T, i int) []T {
	i %= len(xs)
	return append(slices.Clone(xs[i:]), xs[:i]...)
}

func gomaxprocs() int { return runtime.GOMAXPROCS(0) }
func numCPU() int     { return runtime.NumCPU() }
