package admit

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"

	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// maxReviewBytes is controller-runtime's own limit on a review's body
// (admission/http.go, maxRequestSize); a body that reaches it is left to
// controller-runtime, so that it is refused exactly as there.
const maxReviewBytes = 7 * 1024 * 1024

// Serve returns wh served over HTTP exactly as wh.ServeHTTP serves it, with
// one difference inside: a review in the plain shape the API server sends
// is read by Serve itself instead of by controller-runtime's universal
// deserializer, which decodes the whole body twice (once only for its
// apiVersion and kind) and copies both objects out of it. That decoding was
// most of what a review cost, gpuguard's and a no-op webhook's alike
// (docs/performance.md). The objects stay raw bytes for the webhook's own
// partial decoders.
//
// Everything else is controller-runtime's: wh.Handle recovers panics,
// echoes the UID and completes the response, and any body outside the
// plain shape — not valid JSON, another content type, an unknown, repeated,
// escaped or differently cased key, a "response", another apiVersion or
// kind — goes to wh.ServeHTTP unchanged, so that it is decoded, or refused,
// exactly as before. Tests compare both paths on the same bodies. The one
// thing the plain path leaves out is controller-runtime's V(5) debug line
// for each request received and answered.
func Serve(wh *admission.Webhook) http.Handler { return &served{wh: wh} }

type served struct{ wh *admission.Webhook }

func (s *served) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Body == nil || r.Body == http.NoBody || r.Header.Get("Content-Type") != "application/json" {
		s.wh.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxReviewBytes+1))
	_ = r.Body.Close()
	req, gvk, ok := admission.Request{}, schema.GroupVersionKind{}, false
	if err == nil && len(body) < maxReviewBytes {
		req, gvk, ok = decodeReview(body)
	}
	if !ok {
		// What was read goes on with the read's error, if any, so that
		// controller-runtime meets and answers the very same body.
		rest := io.Reader(bytes.NewReader(body))
		if err != nil {
			rest = io.MultiReader(rest, errReader{err})
		}
		r.Body = io.NopCloser(rest)
		s.wh.ServeHTTP(w, r)
		return
	}
	ctx := r.Context()
	if s.wh.WithContextFunc != nil {
		ctx = s.wh.WithContextFunc(ctx, r)
	}
	resp := s.wh.Handle(ctx, req)
	review := admissionv1.AdmissionReview{Response: &resp.AdmissionResponse}
	review.SetGroupVersionKind(gvk)
	// As controller-runtime writes it: a failed write means the client is
	// gone, and the server's guard logs that.
	_ = json.NewEncoder(w).Encode(review)
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
