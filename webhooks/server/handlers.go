package server

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	nodev1 "k8s.io/api/node/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/admit"
	"github.com/gpuguard/gpuguard/webhooks/daemonset"
	"github.com/gpuguard/gpuguard/webhooks/inject"
	"github.com/gpuguard/gpuguard/webhooks/node"
	"github.com/gpuguard/gpuguard/webhooks/pod"
	"github.com/gpuguard/gpuguard/webhooks/podview"
	"github.com/gpuguard/gpuguard/webhooks/verdict"
)

// Deps is what the handlers consult besides the request.
type Deps struct {
	// Policy returns the policy in force for each decision. Required.
	Policy func() *config.Policy
	// Metrics counts the decisions. Required.
	Metrics *admit.Metrics
	// MIGConfigs loads the MIG manager's configs, or nil when the policy
	// names none. Default: none are read.
	MIGConfigs func(ctx context.Context, p *config.Policy) (node.MIGConfigs, error)
	// Report surfaces facts admitted as reported that disagree with the
	// policy. Default: nothing is reported.
	Report node.Reporter
	// Pod and DaemonSet are what the pod and DaemonSet decisions consult.
	Pod       pod.Env
	DaemonSet daemonset.Env
}

var (
	createOnly     = []admissionv1.Operation{admissionv1.Create}
	createOrUpdate = []admissionv1.Operation{admissionv1.Create, admissionv1.Update}
	podKind        = schema.GroupKind{Kind: "Pod"}
	daemonSetKind  = schema.GroupKind{Group: appsv1.GroupName, Kind: "DaemonSet"}
)

// Handlers returns gpuguard's handler for every path the chart's webhook
// configurations name. Each decodes only what its decision reads:
// podview's partial Pod and DaemonSet, and a Node's labels and annotations.
func Handlers(d Deps) map[string]admission.Handler {
	if d.MIGConfigs == nil {
		d.MIGConfigs = func(context.Context, *config.Policy) (node.MIGConfigs, error) { return nil, nil }
	}
	return map[string]admission.Handler{
		config.PathValidateNodes: admit.For(admit.Spec[node.Meta]{
			Name: "node", Kind: schema.GroupKind{Kind: "Node"}, Operations: createOrUpdate,
			Decode: node.DecodeMeta, DecodeOld: true,
			Decide: func(ctx context.Context, r admit.Request[node.Meta], p *config.Policy) (verdict.Verdict, error) {
				return decideNode(ctx, r, p, d.MIGConfigs, d.Report), nil
			},
		}, d.Policy, d.Metrics),
		config.PathMutatePods: object(d, "pod-mutate", podKind, createOnly, podview.Pod, func(ctx context.Context, o *corev1.Pod, p *config.Policy) (verdict.Verdict, error) {
			return pod.Mutate(ctx, o, p, d.Pod)
		}),
		config.PathValidatePods: object(d, "pod", podKind, createOnly, podview.Pod, func(_ context.Context, o *corev1.Pod, p *config.Policy) (verdict.Verdict, error) {
			return pod.Validate(o, p, d.Pod), nil
		}),
		config.PathMutateDaemonSets: object(d, "daemonset-mutate", daemonSetKind, createOrUpdate, podview.DaemonSet, func(ctx context.Context, o *appsv1.DaemonSet, p *config.Policy) (verdict.Verdict, error) {
			return daemonset.Mutate(ctx, o, p, d.DaemonSet)
		}),
		config.PathValidateDaemonSets: object(d, "daemonset", daemonSetKind, createOrUpdate, podview.DaemonSet, func(_ context.Context, o *appsv1.DaemonSet, p *config.Policy) (verdict.Verdict, error) {
			return daemonset.Validate(o, p, d.DaemonSet), nil
		}),
	}
}

// object is the handler of a webhook whose decision reads the new object
// alone.
func object[T any](d Deps, name string, kind schema.GroupKind, ops []admissionv1.Operation,
	decode func([]byte) (T, error), decide func(context.Context, T, *config.Policy) (verdict.Verdict, error),
) admission.Handler {
	return admit.For(admit.Spec[T]{
		Name: name, Kind: kind, Operations: ops, Decode: decode,
		Decide: func(ctx context.Context, r admit.Request[T], p *config.Policy) (verdict.Verdict, error) {
			return decide(ctx, r.Object, p)
		},
	}, d.Policy, d.Metrics)
}

// decideNode judges a Node edit against the MIG manager's configs and
// reports the disagreements it admits, unless nothing is persisted.
func decideNode(ctx context.Context, r admit.Request[node.Meta], p *config.Policy,
	migConfigs func(context.Context, *config.Policy) (node.MIGConfigs, error), report node.Reporter,
) verdict.Verdict {
	nr := &node.Request{
		Create: r.Operation == admissionv1.Create, Username: r.UserInfo.Username, Groups: r.UserInfo.Groups,
		Extra: make(map[string][]string, len(r.UserInfo.Extra)), Name: r.Name,
		Old: r.OldObject, New: r.Object, Policy: p,
	}
	for k, v := range r.UserInfo.Extra {
		nr.Extra[k] = v
	}
	var loadErr error
	if nr.MIGConfigs, loadErr = migConfigs(ctx, p); loadErr != nil {
		nr.MIGConfigs = nil
	}
	res := node.Check(nr)
	if loadErr != nil {
		// Without the file, named configs go unchecked: warn, never block
		// every mig.config edit on an unreadable ConfigMap.
		res.Warn(fmt.Sprintf("the MIG manager's config file could not be read, so named MIG configs are not checked: %v", loadErr))
	}
	if report != nil && !r.DryRun {
		for _, dis := range res.Disagreements {
			report.Disagreement(ctx, dis)
		}
	}
	return res.Verdict
}

// registerHandlers serves every handler at its path.
func registerHandlers(hooks webhook.Server, handlers map[string]admission.Handler) {
	for path, h := range handlers {
		hooks.Register(path, Admission(path, h))
	}
}

// Admission wraps a handler for the webhook server at path, as every
// gpuguard webhook is served (benchmarks use it to measure the same path):
// controller-runtime's admission.Webhook, served by admit.Serve, which
// reads the API server's plain reviews itself.
// Its logger is built once per webhook, not per review: controller-runtime
// asks for one twice per request, for messages it writes only at V(5) or on
// a failed encode, and with zap each WithValues copies the encoder.
func Admission(path string, h admission.Handler) http.Handler {
	var once sync.Once
	var log logr.Logger
	return admit.Serve(&webhook.Admission{
		Handler: h,
		LogConstructor: func(base logr.Logger, _ *admission.Request) logr.Logger {
			once.Do(func() { log = base.WithValues("webhook", path) })
			return log
		},
	})
}

// runtimeClassExists answers from the manager's cache, within the
// request's context. Not-found is a missing RuntimeClass; any other error
// is returned, so that the warning names it instead of calling the
// RuntimeClass missing.
func runtimeClassExists(c client.Reader) inject.RuntimeClassExists {
	return func(ctx context.Context, name string) (bool, error) {
		err := c.Get(ctx, client.ObjectKey{Name: name}, &nodev1.RuntimeClass{})
		switch {
		case err == nil:
			return true, nil
		case apierrors.IsNotFound(err):
			return false, nil
		default:
			return false, fmt.Errorf("looking up RuntimeClass %s: %w", name, err)
		}
	}
}
