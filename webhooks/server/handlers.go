package server

import (
	"context"
	"sync"

	"github.com/go-logr/logr"
	nodev1 "k8s.io/api/node/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/admit"
	"github.com/gpuguard/gpuguard/webhooks/daemonset"
	"github.com/gpuguard/gpuguard/webhooks/facts"
	"github.com/gpuguard/gpuguard/webhooks/node"
	"github.com/gpuguard/gpuguard/webhooks/pod"
)

// registerHandlers puts a handler on every path the chart's webhook
// configurations name.
func registerHandlers(hooks webhook.Server, policy PolicySource, c client.Client, reader client.Reader, idx *facts.Index, m *admit.Metrics, report node.Reporter) {
	migConfigs := &migConfigLoader{reader: reader}
	rcExists := runtimeClassExists(c)
	podEnv := pod.Env{RuntimeClassExists: rcExists, Offers: idx.Offers}
	dsEnv := daemonset.Env{RuntimeClassExists: rcExists, EnabledNodes: idx.EnabledNodes}
	h := func(name string, d admit.DecideFunc) admission.Handler {
		return &admit.Handler{Name: name, Decide: d, Policy: policy.Current, Metrics: m}
	}
	handlers := map[string]admission.Handler{
		config.PathValidateNodes:      h("node", node.Decide(migConfigs.load, report)),
		config.PathMutatePods:         h("pod-mutate", pod.DecideMutate(podEnv)),
		config.PathValidatePods:       h("pod", pod.DecideValidate(podEnv)),
		config.PathMutateDaemonSets:   h("daemonset-mutate", daemonset.DecideMutate(dsEnv)),
		config.PathValidateDaemonSets: h("daemonset", daemonset.DecideValidate(dsEnv)),
	}
	for path, h := range handlers {
		hooks.Register(path, Admission(path, h))
	}
}

// Admission wraps a handler for the webhook server at path, as every
// gpuguard webhook is served (benchmarks use it to measure the same path).
// Its logger is built once per webhook, not per review: controller-runtime
// asks for one twice per request, for messages it writes only at V(5) or on
// a failed encode, and with zap each WithValues copies the encoder.
func Admission(path string, h admission.Handler) *webhook.Admission {
	var once sync.Once
	var log logr.Logger
	return &webhook.Admission{
		Handler: h,
		LogConstructor: func(base logr.Logger, _ *admission.Request) logr.Logger {
			once.Do(func() { log = base.WithValues("webhook", path) })
			return log
		},
	}
}

// runtimeClassExists answers from the manager's cache. A lookup error other
// than not-found counts as missing: the pod then gets a warning instead of a
// runtime class that might not exist.
func runtimeClassExists(c client.Client) func(string) bool {
	return func(name string) bool {
		rc := &nodev1.RuntimeClass{}
		return c.Get(context.Background(), client.ObjectKey{Name: name}, rc) == nil
	}
}
