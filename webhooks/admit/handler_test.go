package admit_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/admit"
	"github.com/gpuguard/gpuguard/webhooks/admit/admittest"
	"github.com/gpuguard/gpuguard/webhooks/verdict"
)

const review = `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1",
"kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},
"name":"train","namespace":"ml","operation":"CREATE","object":{}}}`

// decision is a decision over a pod whose content it ignores.
type decision = func(context.Context, admit.Request[struct{}], *config.Policy) (verdict.Verdict, error)

// podSpec admits Pod CREATE (the test review) with decision d.
func podSpec(name string, d decision) admit.Spec[struct{}] {
	return admit.Spec[struct{}]{
		Name: name, Kind: schema.GroupKind{Kind: "Pod"}, Operations: []admissionv1.Operation{admissionv1.Create},
		Decode: func([]byte) (struct{}, error) { return struct{}{}, nil },
		Decide: d,
	}
}

// unsatisfiable always reports one unsatisfiable-pod violation.
func unsatisfiable(context.Context, admit.Request[struct{}], *config.Policy) (verdict.Verdict, error) {
	var v verdict.Verdict
	v.Add(config.RuleUnsatisfiable, field.Forbidden(field.NewPath("spec"), "no GPU node can run this pod"))
	v.Warn("plain warning")
	return v, nil
}

// The policy's enforcement decides what a violation does.
func TestEnforcement(t *testing.T) {
	tests := map[string]struct {
		mode     string
		allowed  bool
		warnings []string
	}{
		"warn (default)": {mode: "warn", allowed: true, warnings: []string{"plain warning", "gpuguard: spec: no GPU node can run this pod"}},
		"deny":           {mode: "deny", allowed: false, warnings: []string{"plain warning"}},
		"off":            {mode: "off", allowed: true, warnings: []string{"plain warning"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p, err := config.Parse("p", []byte("enforcement: {unsatisfiable: "+tc.mode+"}\n"))
			require.NoError(t, err)
			code, r, raw := admittest.Serve(admittest.Handler(podSpec("pod", unsatisfiable), p), []byte(review))
			require.Equal(t, http.StatusOK, code)
			require.NotNil(t, r, "%s", raw)
			assert.Equal(t, tc.allowed, r.Response.Allowed)
			assert.Equal(t, tc.warnings, r.Response.Warnings)
			if !tc.allowed {
				assert.Equal(t, int32(http.StatusForbidden), r.Response.Result.Code)
				assert.Equal(t, `pods "train" is forbidden: gpuguard pod rules: spec: Forbidden: no GPU node can run this pod`, r.Response.Result.Message)
				require.Len(t, r.Response.Result.Details.Causes, 1)
				assert.Equal(t, "spec", r.Response.Result.Details.Causes[0].Field)
			}
		})
	}
}

// A decision that cannot be made is refused, never allowed.
func TestUndecidableIsRefused(t *testing.T) {
	broken := func(context.Context, admit.Request[struct{}], *config.Policy) (verdict.Verdict, error) {
		return verdict.Verdict{}, assert.AnError
	}
	_, r, raw := admittest.Serve(admittest.Handler(podSpec("pod", broken), config.Default()), []byte(review))
	require.NotNil(t, r, "%s", raw)
	assert.False(t, r.Response.Allowed)
	assert.Contains(t, r.Response.Result.Message, "gpuguard pod webhook")
}

// A violation that names no rule of the table is a bug: it is refused with
// a message that says so, not denied as if a rule had been broken.
func TestUnknownRuleIsAnError(t *testing.T) {
	forgot := func(context.Context, admit.Request[struct{}], *config.Policy) (verdict.Verdict, error) {
		var v verdict.Verdict
		v.Add(config.Rule(0), field.Forbidden(field.NewPath("spec"), "something"))
		return v, nil
	}
	_, r, raw := admittest.Serve(admittest.Handler(podSpec("pod", forgot), config.Default()), []byte(review))
	require.NotNil(t, r, "%s", raw)
	assert.False(t, r.Response.Allowed)
	assert.Equal(t, int32(http.StatusInternalServerError), r.Response.Result.Code)
	assert.Contains(t, r.Response.Result.Message, "violation of unknown rule Rule(0)")
	assert.Contains(t, r.Response.Result.Message, "this is a gpuguard bug")
}

// A request of another kind or operation than the webhook's, or one whose
// object cannot be decoded, is refused with ErrUnexpectedRequest's message
// or the decoding error, and the decision is never called.
func TestUnexpectedRequestIsRefused(t *testing.T) {
	tests := map[string]struct {
		spec func(admit.Spec[struct{}]) admit.Spec[struct{}]
		want string
	}{
		"another kind": {
			spec: func(s admit.Spec[struct{}]) admit.Spec[struct{}] {
				s.Kind = schema.GroupKind{Group: "apps", Kind: "DaemonSet"}
				s.Operations = []admissionv1.Operation{admissionv1.Create, admissionv1.Update}
				return s
			},
			want: "gpuguard pod webhook: unexpected admission request: CREATE /v1, Kind=Pod, want CREATE or UPDATE of apps DaemonSet",
		},
		"another operation": {
			spec: func(s admit.Spec[struct{}]) admit.Spec[struct{}] {
				s.Operations = []admissionv1.Operation{admissionv1.Update}
				return s
			},
			want: "gpuguard pod webhook: unexpected admission request: CREATE /v1, Kind=Pod, want UPDATE of Pod",
		},
		"undecodable": {
			spec: func(s admit.Spec[struct{}]) admit.Spec[struct{}] {
				s.Decode = func([]byte) (struct{}, error) { return struct{}{}, assert.AnError }
				return s
			},
			want: "gpuguard pod webhook: decoding the Pod: " + assert.AnError.Error(),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			called := false
			s := podSpec("pod", func(context.Context, admit.Request[struct{}], *config.Policy) (verdict.Verdict, error) {
				called = true
				return verdict.Verdict{}, nil
			})
			_, r, raw := admittest.Serve(admittest.Handler(tc.spec(s), config.Default()), []byte(review))
			require.NotNil(t, r, "%s", raw)
			assert.False(t, r.Response.Allowed)
			assert.Equal(t, int32(http.StatusBadRequest), r.Response.Result.Code)
			assert.Equal(t, tc.want, r.Response.Result.Message)
			assert.False(t, called, "the decision is not asked")
		})
	}
}
