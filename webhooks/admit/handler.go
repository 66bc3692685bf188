package admit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/gpuguard/gpuguard/config"
)

// DecideFunc is a pure decision over one request.
type DecideFunc func(ctx context.Context, req admission.Request, p *config.Policy) (Verdict, error)

// Handler turns a DecideFunc into a controller-runtime handler.
type Handler struct {
	// Name labels the metrics (e.g. "node").
	Name    string
	Decide  DecideFunc
	Policy  func() *config.Policy
	Metrics *Metrics
}

var _ admission.Handler = (*Handler)(nil)

// Handle decides one request. A decision that cannot be made (undecodable
// object, unexpected kind) is refused with its reason: fail closed.
func (h *Handler) Handle(ctx context.Context, req admission.Request) admission.Response {
	p := h.Policy()
	v, err := h.Decide(ctx, req, p)
	if err != nil {
		h.Metrics.errors.WithLabelValues(h.Name).Inc()
		return admission.Errored(http.StatusBadRequest, fmt.Errorf("gpuguard %s webhook: %w", h.Name, err))
	}
	for _, x := range v.Violations {
		if !x.Rule.Known() {
			// A decision named a rule the policy has no enforcement for: a
			// gpuguard bug. Refuse and say so rather than deny silently.
			h.Metrics.errors.WithLabelValues(h.Name).Inc()
			return admission.Errored(http.StatusInternalServerError, fmt.Errorf(
				"gpuguard %s webhook: violation of unknown rule %s (%w): this is a gpuguard bug, please report it", h.Name, x.Rule, x.Err))
		}
	}
	h.Metrics.count(h.Name, v.Violations, p.Enforcement.Mode)
	deny := v.Enforce(p.Enforcement.Mode)
	v.Warnings = boundWarnings(v.Warnings)
	if len(deny) > 0 {
		gr := schema.GroupResource{Group: req.Resource.Group, Resource: req.Resource.Resource}
		status := denial(gr, req.Name, h.Name, deny)
		return admission.Response{AdmissionResponse: admissionv1.AdmissionResponse{
			Allowed: false, Result: &status, Warnings: v.Warnings,
		}}
	}
	resp := admission.Response{AdmissionResponse: admissionv1.AdmissionResponse{
		Allowed: true, Result: &metav1.Status{Code: http.StatusOK}, Warnings: v.Warnings,
	}}
	if len(v.Patch) > 0 {
		raw, err := json.Marshal(v.Patch)
		if err != nil {
			return admission.Errored(http.StatusInternalServerError, fmt.Errorf("encoding patch: %w", err))
		}
		pt := admissionv1.PatchTypeJSONPatch
		resp.Patch, resp.PatchType = raw, &pt
	}
	return resp
}

// Rule names, as in config's rule table. They are aliases, so decisions can
// keep reading admit.RuleX while the rules themselves live in one place.
const (
	RuleDeployLabels     = config.RuleDeployLabels
	RuleMIGStrategyLabel = config.RuleMIGStrategyLabel
	RuleMIGConfig        = config.RuleMIGConfig
	RuleFactLabels       = config.RuleFactLabels
	RuleMIGResources     = config.RuleMIGResources
	RuleUnsatisfiable    = config.RuleUnsatisfiable
	RuleComponents       = config.RuleComponents
	// RuleAnnotations covers malformed gpuguard.io/* annotations: always deny.
	RuleAnnotations = config.RuleAnnotations
)
