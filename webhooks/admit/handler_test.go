package admit_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/admit"
	"github.com/gpuguard/gpuguard/webhooks/admit/admittest"
)

const review = `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1",
"kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},
"name":"train","namespace":"ml","operation":"CREATE","object":{}}}`

// unsatisfiable always reports one unsatisfiable-pod violation.
func unsatisfiable(context.Context, admission.Request, *config.Policy) (admit.Verdict, error) {
	var v admit.Verdict
	v.Add(admit.RuleUnsatisfiable, field.Forbidden(field.NewPath("spec"), "no GPU node can run this pod"))
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
			code, r, raw := admittest.Serve(admittest.Handler("pod", unsatisfiable, p), []byte(review))
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
	broken := func(context.Context, admission.Request, *config.Policy) (admit.Verdict, error) {
		return admit.Verdict{}, assert.AnError
	}
	_, r, raw := admittest.Serve(admittest.Handler("pod", broken, config.Default()), []byte(review))
	require.NotNil(t, r, "%s", raw)
	assert.False(t, r.Response.Allowed)
	assert.Contains(t, r.Response.Result.Message, "gpuguard pod webhook")
}

// A violation that names no rule of the table is a bug: it is refused with
// a message that says so, not denied as if a rule had been broken.
func TestUnknownRuleIsAnError(t *testing.T) {
	forgot := func(context.Context, admission.Request, *config.Policy) (admit.Verdict, error) {
		var v admit.Verdict
		v.Add(config.Rule(0), field.Forbidden(field.NewPath("spec"), "something"))
		return v, nil
	}
	_, r, raw := admittest.Serve(admittest.Handler("pod", forgot, config.Default()), []byte(review))
	require.NotNil(t, r, "%s", raw)
	assert.False(t, r.Response.Allowed)
	assert.Equal(t, int32(http.StatusInternalServerError), r.Response.Result.Code)
	assert.Contains(t, r.Response.Result.Message, "violation of unknown rule Rule(0)")
	assert.Contains(t, r.Response.Result.Message, "this is a gpuguard bug")
}
