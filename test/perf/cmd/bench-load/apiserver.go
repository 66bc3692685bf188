package main

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/test/perf"
)

// modes of pod creation: no webhook, gpuguard's, and the same webhook
// configuration served by the no-op server (patch-returning mutation, allow
// -all validation).
var modes = []string{"plain", "gpuguard", "noop"}

// throughAPIServer creates GPU pods through the API server in each mode,
// interleaved, and reports what the webhooks add to a plain create.
func throughAPIServer(ctx context.Context, e *env, o options) error {
	if err := e.registerNoop(ctx); err != nil {
		return err
	}
	cfg := rest.CopyConfig(e.cp.Config)
	// No client-side throttling: the client must not be the bottleneck.
	cfg.QPS, cfg.Burst = 1e6, 1e6
	// The realistic pod's repeated port draws the API server's warnings on
	// every create, in every mode alike; printing them is not measured.
	cfg.WarningHandler = rest.NoWarnings{}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("building the load client: %w", err)
	}
	for _, m := range modes {
		if err := namespace(ctx, cs, m); err != nil {
			return err
		}
	}
	// Warm-up, and proof that each mode's webhooks are in force: pods of
	// gpuguard and noop get the runtime class from the patch.
	for _, m := range modes {
		if err := warm(ctx, cs, m); err != nil {
			return err
		}
	}
	fmt.Printf("\nThrough the API server: %d GPU pod creates per mode, round and client count, the modes interleaved\n", o.pods)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "mode\tclients\tp50\tp99\tadded p50\tadded p99\t")
	for _, conns := range o.conns {
		samples := map[string][]time.Duration{}
		for round := range o.rounds {
			s, err := createPods(ctx, cs, rotate(modes, round), fmt.Sprintf("c%d-r%d", conns, round), o.pods, conns)
			if err != nil {
				return err
			}
			for m, lat := range s {
				samples[m] = append(samples[m], lat...)
			}
		}
		plain50, plain99 := perf.Percentile(samples["plain"], 50), perf.Percentile(samples["plain"], 99)
		added := map[string]time.Duration{}
		for _, m := range modes {
			p50, p99 := perf.Percentile(samples[m], 50), perf.Percentile(samples[m], 99)
			added[m] = p50 - plain50
			fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\t\n", m, conns, ms(p50), ms(p99), ms(p50-plain50), ms(p99-plain99))
		}
		fmt.Fprintf(w, "gpuguard/noop added p50\t%d\t\t\t%s\t\t\n", conns, ratio(float64(added["gpuguard"]), float64(added["noop"])))
	}
	return w.Flush()
}

// registerNoop registers gpuguard's pod webhooks a second time, for
// namespaces labelled gpuguard.io/bench=noop, pointed at the no-op server.
func (e *env) registerNoop(ctx context.Context) error {
	retarget := func(name string, cc *admissionregistrationv1.WebhookClientConfig, sel *metav1.LabelSelector, path string) error {
		bundle, err := e.caBundle(ctx, name)
		if err != nil {
			return err
		}
		u := "https://" + e.noopAddr + path
		cc.URL, cc.Service, cc.CABundle = &u, nil, bundle
		sel.MatchExpressions[len(sel.MatchExpressions)-1].Values = []string{"noop"}
		return nil
	}
	for _, c := range e.chart.Objects {
		n, path := podCopy(c, "bench-noop-"+c.GetName())
		if n == nil {
			continue
		}
		for _, h := range hooks(n) {
			if err := retarget(c.GetName(), h.client, h.selector, path); err != nil {
				return err
			}
		}
		if err := e.cp.Client.Create(ctx, n); err != nil {
			return fmt.Errorf("registering %s: %w", n.GetName(), err)
		}
	}
	return nil
}

// caBundle is what gpuguard's certificate source injected into its
// registered configuration: the CA of the certificate both servers serve.
func (e *env) caBundle(ctx context.Context, name string) ([]byte, error) {
	var bundle []byte
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		for _, c := range []client.Object{&admissionregistrationv1.MutatingWebhookConfiguration{}, &admissionregistrationv1.ValidatingWebhookConfiguration{}} {
			if err := e.cp.Client.Get(ctx, client.ObjectKey{Name: name}, c); err == nil && len(hooks(c)) > 0 {
				bundle = hooks(c)[0].client.CABundle
				return len(bundle) > 0, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return nil, fmt.Errorf("no CA bundle injected into %s: %w", name, err)
	}
	return bundle, nil
}

func forPods(rules []admissionregistrationv1.RuleWithOperations) bool {
	for _, r := range rules {
		for _, res := range r.Resources {
			if res == "pods" {
				return true
			}
		}
	}
	return false
}

func namespace(ctx context.Context, cs kubernetes.Interface, mode string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "bench-" + mode, Labels: map[string]string{benchLabel: mode}}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("creating namespace %s: %w", ns.Name, err)
	}
	// No controller-manager runs here to create the default service account.
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}
	if _, err := cs.CoreV1().ServiceAccounts(ns.Name).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("creating the default service account of %s: %w", ns.Name, err)
	}
	return nil
}

// warm creates pods until one comes back as its mode's webhooks make it:
// the API server picks up new webhook configurations asynchronously.
func warm(ctx context.Context, cs kubernetes.Interface, mode string) error {
	i := 0
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		i++
		p := perf.GPUPod(fmt.Sprintf("warm-%d", i))
		got, err := cs.CoreV1().Pods("bench-"+mode).Create(ctx, p, metav1.CreateOptions{})
		if err != nil {
			return false, nil //nolint:nilerr // webhooks may not be reachable yet
		}
		patched := got.Spec.RuntimeClassName != nil && *got.Spec.RuntimeClassName == config.DefaultRuntimeClassName
		return patched == (mode != "plain"), nil
	})
	if err != nil {
		return fmt.Errorf("mode %s: pods never came back as its webhooks make them: %w", mode, err)
	}
	return nil
}

// createPods creates n GPU pods in each mode's namespace from conns
// clients, the modes interleaved create by create in the given order: every
// mode meets the same load on the API server, etcd and the machine at the
// same time, so that a load that drifts during a round (a compaction,
// another process) weighs on all three alike. It returns each mode's
// latencies.
func createPods(ctx context.Context, cs kubernetes.Interface, order []string, prefix string, n, conns int) (map[string][]time.Duration, error) {
	s, err := perf.Drive(ctx, n*len(order), conns, func(ctx context.Context, _, i int) error {
		mode := order[i%len(order)]
		p := perf.GPUPod(fmt.Sprintf("%s-%d", prefix, i))
		if _, err := cs.CoreV1().Pods("bench-"+mode).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("mode %s: creating pod %s: %w", mode, p.Name, err)
		}
		return nil
	})
	out := map[string][]time.Duration{}
	for i, d := range s.Latencies {
		mode := order[i%len(order)]
		out[mode] = append(out[mode], d)
	}
	return out, err
}
