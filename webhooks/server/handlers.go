package server

import (
	"context"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/gpuguard/gpuguard/config"
)

// placeholderMessage marks every response of a handler that has no rules
// yet. PLACEHOLDER: the node, pod and DaemonSet issues replace these.
const placeholderMessage = "gpuguard placeholder: no rules implemented for this kind yet; allowed"

// registerHandlers puts a handler on every path the manifests name.
func registerHandlers(hooks webhook.Server) {
	for _, path := range []string{
		config.PathValidateNodes, config.PathValidatePods, config.PathMutatePods,
		config.PathValidateDaemonSets, config.PathMutateDaemonSets,
	} {
		hooks.Register(path, &webhook.Admission{
			Handler: placeholder(),
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
