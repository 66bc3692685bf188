package server

import (
	"context"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/admit"
	"github.com/gpuguard/gpuguard/webhooks/node"
)

// placeholderMessage marks every response of a handler that has no rules
// yet. PLACEHOLDER: the pod and DaemonSet issues replace these.
const placeholderMessage = "gpuguard placeholder: no rules implemented for this kind yet; allowed"

// registerHandlers puts a handler on every path the manifests name.
func registerHandlers(hooks webhook.Server, policy PolicySource, reader client.Reader, m *admit.Metrics) {
	migConfigs := &migConfigLoader{reader: reader}
	handlers := map[string]admission.Handler{
		config.PathValidateNodes: &admit.Handler{
			Name: "node", Decide: node.Decide(migConfigs.load), Policy: policy.Current, Metrics: m,
		},
		config.PathValidatePods:       placeholder(),
		config.PathMutatePods:         placeholder(),
		config.PathValidateDaemonSets: placeholder(),
		config.PathMutateDaemonSets:   placeholder(),
	}
	for path, h := range handlers {
		hooks.Register(path, &webhook.Admission{
			Handler: h,
			LogConstructor: func(base logr.Logger, req *admission.Request) logr.Logger {
				if req == nil {
					return base.WithValues("webhook", path)
				}
				return base.WithValues("webhook", path, "uid", req.UID, "kind", req.Kind.Kind, "name", req.Name)
			},
		})
	}
}

// placeholder allows everything (PLACEHOLDER until the rules land).
func placeholder() admission.Handler {
	return admission.HandlerFunc(func(context.Context, admission.Request) admission.Response {
		return admission.Allowed(placeholderMessage)
	})
}
