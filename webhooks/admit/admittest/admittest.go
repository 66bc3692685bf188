// Package admittest serves AdmissionReview bodies to gpuguard handlers in
// tests and fuzz targets, served as the server serves them (admit.Serve).
package admittest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/admit"
)

// Handler serves s as the server does, under the given policy, counting
// into metrics of its own.
func Handler[T any](s admit.Spec[T], p *config.Policy) http.Handler {
	return HandlerWith(s, p, admit.NewMetrics(nil))
}

// HandlerWith is Handler counting into m.
func HandlerWith[T any](s admit.Spec[T], p *config.Policy, m *admit.Metrics) http.Handler {
	return admit.Serve(&webhook.Admission{Handler: admit.For(s, func() *config.Policy { return p }, m)})
}

// Serve posts body and returns the HTTP status and the decoded review.
func Serve(h http.Handler, body []byte) (int, *admissionv1.AdmissionReview, []byte) {
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(rec.Body.Bytes(), &review); err != nil {
		return rec.Code, nil, rec.Body.Bytes()
	}
	return rec.Code, &review, rec.Body.Bytes()
}

// Check is a fuzz body: whatever the input, the handler must not panic and
// a 200 answer must be an AdmissionReview with a response that is not a
// server error. controller-runtime recovers a panicking handler into a 200
// answer carrying code 500 ("panic: … [recovered]"), so a fuzz target that
// only looked for a crash would never see one; gpuguard itself answers 500
// only for its own bugs (an unknown rule, a patch it cannot encode).
func Check(t testing.TB, h http.Handler, body []byte) {
	t.Helper()
	code, review, raw := Serve(h, body)
	if code != http.StatusOK {
		return
	}
	if review == nil || review.Response == nil {
		t.Fatalf("a 200 answer without an AdmissionReview response: %s", raw)
	}
	if r := review.Response.Result; r != nil && r.Code >= http.StatusInternalServerError {
		t.Fatalf("the handler failed with code %d (%s) on %s", r.Code, r.Message, body)
	}
}
