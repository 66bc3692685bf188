package admit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/verdict"
)

// ErrUnexpectedRequest is a request a webhook is not registered for: another
// kind, or an operation it does not judge.
var ErrUnexpectedRequest = errors.New("unexpected admission request")

// Spec describes one webhook: what it admits, how its object is read and
// which pure decision judges it.
type Spec[T any] struct {
	// Name labels the metrics and the messages (e.g. "node", "pod-mutate").
	Name string
	// Kind is the only kind admitted (core kinds have an empty group).
	Kind schema.GroupKind
	// Operations are the only operations admitted.
	Operations []admissionv1.Operation
	// Decode reads the object from the request's raw JSON. It is a
	// per-kind function, not controller-runtime's admission.Decoder: each
	// kind decodes only what its decisions read (webhooks/podview,
	// webhooks/rawjson), where decoding the whole Pod, as the Decoder does,
	// was measured at 33% of the pod path's CPU (docs/performance.md).
	Decode func(raw []byte) (T, error)
	// DecodeOld also decodes the old object of an UPDATE. Default false:
	// its bytes are not read.
	DecodeOld bool
	// Decide is the decision; it sees the decoded request only.
	Decide func(ctx context.Context, r Request[T], p *config.Policy) (verdict.Verdict, error)
}

// Request is an admission request with its objects decoded.
type Request[T any] struct {
	Name      string
	Operation admissionv1.Operation
	UserInfo  authenticationv1.UserInfo
	// DryRun is set when nothing is persisted: no side effect may follow.
	DryRun bool
	Object T
	// OldObject is the old object of an UPDATE when the Spec asks for it
	// (DecodeOld); otherwise the zero T.
	OldObject T
}

// Handler serves one Spec as a controller-runtime admission handler.
type Handler[T any] struct {
	spec    Spec[T]
	policy  func() *config.Policy
	metrics *Metrics
	// want names what is admitted, for the unexpected-request message.
	want string
}

// For builds the handler of s, deciding under the policy in force at each
// request and counting into m.
func For[T any](s Spec[T], policy func() *config.Policy, m *Metrics) *Handler[T] {
	ops := make([]string, len(s.Operations))
	for i, op := range s.Operations {
		ops[i] = string(op)
	}
	kind := s.Kind.Kind
	if s.Kind.Group != "" {
		kind = s.Kind.Group + " " + kind
	}
	return &Handler[T]{spec: s, policy: policy, metrics: m, want: strings.Join(ops, " or ") + " of " + kind}
}

var _ admission.Handler = (*Handler[struct{}])(nil)

// Handle decides one request. A decision that cannot be made (undecodable
// object, unexpected kind or operation) is refused with its reason: fail
// closed.
func (h *Handler[T]) Handle(ctx context.Context, req admission.Request) admission.Response {
	p := h.policy()
	v, err := h.decide(ctx, req, p)
	if err != nil {
		h.metrics.errors.WithLabelValues(h.spec.Name).Inc()
		return admission.Errored(http.StatusBadRequest, fmt.Errorf("gpuguard %s webhook: %w", h.spec.Name, err))
	}
	for _, x := range v.Violations {
		if !x.Rule.Known() {
			// A decision named a rule the policy has no enforcement for: a
			// gpuguard bug. Refuse and say so rather than deny silently.
			h.metrics.errors.WithLabelValues(h.spec.Name).Inc()
			return admission.Errored(http.StatusInternalServerError, fmt.Errorf(
				"gpuguard %s webhook: violation of unknown rule %s (%w): this is a gpuguard bug, please report it", h.spec.Name, x.Rule, x.Err))
		}
	}
	h.metrics.count(h.spec.Name, v.Violations, p.Enforcement.Mode)
	e := v.Enforce(p.Enforcement.Mode)
	warnings := boundWarnings(e.Warnings)
	if len(e.Deny) > 0 {
		gr := schema.GroupResource{Group: req.Resource.Group, Resource: req.Resource.Resource}
		status := denial(gr, req.Name, h.spec.Name, e.Deny)
		return admission.Response{AdmissionResponse: admissionv1.AdmissionResponse{
			Allowed: false, Result: &status, Warnings: warnings,
		}}
	}
	resp := admission.Response{AdmissionResponse: admissionv1.AdmissionResponse{
		Allowed: true, Result: &metav1.Status{Code: http.StatusOK}, Warnings: warnings,
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

// decide checks the kind and operation, decodes and calls the decision.
func (h *Handler[T]) decide(ctx context.Context, req admission.Request, p *config.Policy) (verdict.Verdict, error) {
	if req.Kind.Kind != h.spec.Kind.Kind || req.Kind.Group != h.spec.Kind.Group || !slices.Contains(h.spec.Operations, req.Operation) {
		return verdict.Verdict{}, fmt.Errorf("%w: %s %s, want %s", ErrUnexpectedRequest, req.Operation, req.Kind, h.want)
	}
	r := Request[T]{Name: req.Name, Operation: req.Operation, UserInfo: req.UserInfo, DryRun: req.DryRun != nil && *req.DryRun}
	var err error
	if h.spec.DecodeOld && req.Operation == admissionv1.Update {
		if r.OldObject, err = h.spec.Decode(req.OldObject.Raw); err != nil {
			return verdict.Verdict{}, fmt.Errorf("decoding the old %s: %w", h.spec.Kind.Kind, err)
		}
	}
	if r.Object, err = h.spec.Decode(req.Object.Raw); err != nil {
		return verdict.Verdict{}, fmt.Errorf("decoding the %s: %w", h.spec.Kind.Kind, err)
	}
	return h.spec.Decide(ctx, r, p)
}
