package admit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	admissionv1 "k8s.io/api/admission/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
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
	mode := func(rule string) config.Enforcement { return ruleMode(p, rule) }
	for _, x := range v.Violations {
		if mode(x.Rule) == config.Warn {
			h.Metrics.warnings.WithLabelValues(h.Name, x.Rule).Inc()
		}
	}
	deny := v.Enforce(mode)
	for _, x := range v.Violations {
		h.Metrics.denials.WithLabelValues(h.Name, x.Rule).Inc()
	}
	if len(deny) > 0 {
		// Forbidden, not Invalid: kubectl rebuilds an Invalid message from
		// its causes alone, which would hide who refused. The causes still
		// carry each field error for API clients.
		gr := schema.GroupResource{Group: req.Resource.Group, Resource: req.Resource.Resource}
		status := apierrors.NewForbidden(gr, req.Name,
			fmt.Errorf("gpuguard %s rules: %w", h.Name, deny.ToAggregate())).Status()
		status.Details.Causes = causes(deny)
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

// ruleMode returns the enforcement of a rule; unknown rules deny.
func ruleMode(p *config.Policy, rule string) config.Enforcement {
	r := p.Enforcement
	switch rule {
	case RuleDeployLabels:
		return r.DeployLabels
	case RuleMIGStrategyLabel:
		return r.MIGStrategyLabel
	case RuleMIGConfig:
		return r.MIGConfig
	case RuleFactLabels:
		return r.FactLabels
	case RuleMIGResources:
		return r.MIGResources
	case RuleUnsatisfiable:
		return r.Unsatisfiable
	case RuleComponents:
		return r.Components
	}
	return config.Deny
}

// Rule names, as in the policy's enforcement block.
const (
	RuleDeployLabels     = "deployLabels"
	RuleMIGStrategyLabel = "migStrategyLabel"
	RuleMIGConfig        = "migConfig"
	RuleFactLabels       = "factLabels"
	RuleMIGResources     = "migResources"
	RuleUnsatisfiable    = "unsatisfiable"
	RuleComponents       = "components"
	// RuleAnnotations covers malformed gpuguard.io/* annotations: always deny.
	RuleAnnotations = "annotations"
)

func causes(errs field.ErrorList) []metav1.StatusCause {
	out := make([]metav1.StatusCause, len(errs))
	for i, e := range errs {
		out[i] = metav1.StatusCause{Type: metav1.CauseType(e.Type), Message: e.ErrorBody(), Field: e.Field}
	}
	return out
}
