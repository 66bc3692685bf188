package perf

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/admit"
	"github.com/gpuguard/gpuguard/webhooks/daemonset"
	"github.com/gpuguard/gpuguard/webhooks/facts"
	"github.com/gpuguard/gpuguard/webhooks/pod"
	"github.com/gpuguard/gpuguard/webhooks/server"
)

// Gpuguard returns gpuguard's handler for every webhook path, built and
// wrapped as the server builds them (server.Handlers, server.Admission),
// deciding under pol with the facts of idx. RuntimeClasses always exist; no
// MIG config file is read.
func Gpuguard(pol *config.Policy, idx *facts.Index) map[string]http.Handler {
	exists := func(context.Context, string) (bool, error) { return true, nil }
	handlers := server.Handlers(server.Deps{
		Policy:    func() *config.Policy { return pol },
		Metrics:   admit.NewMetrics(nil),
		Pod:       pod.Env{RuntimeClassExists: exists, Offers: idx.Offers},
		DaemonSet: daemonset.Env{RuntimeClassExists: exists, EnabledNodes: idx.EnabledNodes},
	})
	out := make(map[string]http.Handler, len(handlers))
	for path, h := range handlers {
		out[path] = server.Admission(path, h)
	}
	return out
}

// Index holds the facts of a small GPU fleet built from RealisticNode, so
// that the GPU pod's requirements are satisfiable and components enabled.
func Index() *facts.Index {
	idx := facts.NewIndex()
	for _, name := range []string{"gpu-h100-0", "gpu-h100-1", "gpu-h100-2"} {
		n := RealisticNode(name)
		idx.Set(facts.FromLabels(name, n.Labels, n.Annotations))
	}
	return idx
}

// NoOp is a plain controller-runtime webhook that allows everything.
func NoOp() http.Handler {
	return &webhook.Admission{Handler: admission.HandlerFunc(func(context.Context, admission.Request) admission.Response {
		return admission.Allowed("")
	})}
}

// Patching is a controller-runtime webhook that allows everything with a
// fixed JSON patch, deciding nothing.
func Patching(patch []byte) http.Handler {
	pt := admissionv1.PatchTypeJSONPatch
	return &webhook.Admission{Handler: admission.HandlerFunc(func(context.Context, admission.Request) admission.Response {
		r := admission.Allowed("")
		r.Patch, r.PatchType = patch, &pt
		return r
	})}
}

// PatchOf serves body to h and returns the patch of its answer, which must
// allow; nil when it patches nothing.
func PatchOf(h http.Handler, body []byte) ([]byte, error) {
	code, resp, err := Serve(h, body)
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK || !resp.Allowed {
		return nil, fmt.Errorf("the review was not allowed (HTTP %d): %+v", code, resp.Result)
	}
	return resp.Patch, nil
}

// Serve posts body to h in-process and decodes the AdmissionReview answer.
func Serve(h http.Handler, body []byte) (int, *admissionv1.AdmissionResponse, error) {
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(rec.Body.Bytes(), &review); err != nil || review.Response == nil {
		return rec.Code, nil, fmt.Errorf("not an AdmissionReview answer (HTTP %d): %s", rec.Code, rec.Body.Bytes())
	}
	return rec.Code, review.Response, nil
}
