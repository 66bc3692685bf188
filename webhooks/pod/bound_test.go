package pod

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/admit"
	"github.com/gpuguard/gpuguard/webhooks/admit/admittest"
)

// junkAnnotations is a GPU pod CREATE review with n unknown gpuguard.io
// annotations and a malformed compute-capability-min.
func junkAnnotations(n int) []byte {
	ann := make(map[string]string, n+1)
	for i := range n {
		ann[fmt.Sprintf("gpuguard.io/junk-%d", i)] = "x"
	}
	ann[AnnotationCCMin] = "eight"
	review := map[string]any{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": map[string]any{
		"uid": "1", "kind": map[string]string{"version": "v1", "kind": "Pod"},
		"resource":  map[string]string{"version": "v1", "resource": "pods"},
		"namespace": "ml", "operation": "CREATE", "userInfo": map[string]any{"username": "alice"},
		"object": map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "train", "annotations": ann},
			"spec": map[string]any{"containers": []any{map[string]any{"name": "main", "image": "cuda",
				"resources": map[string]any{"limits": map[string]string{"nvidia.com/gpu": "1"}}}}}},
	}}
	raw, err := json.Marshal(review)
	if err != nil {
		panic(err)
	}
	return raw
}

// A pod with 50,000 junk gpuguard.io annotations is refused by the
// validating webhook with a bounded message, promptly enough that the API
// server never times out and lets it through (issue 11); the mutating one
// answers too (it leaves refusing to validation).
func TestJunkAnnotationsDenied(t *testing.T) {
	const n = 50_000
	e := env(false, h100, a100)
	body := junkAnnotations(n)
	_, r, raw := admittest.Serve(admittest.Handler("pod", DecideValidate(e), config.Default()), body)
	require.NotNil(t, r, "%.300s", raw)
	require.False(t, r.Response.Allowed)
	assert.Equal(t, int32(http.StatusForbidden), r.Response.Result.Code)
	assert.Contains(t, r.Response.Result.Message, fmt.Sprintf(", and %d more]", n+1-admit.MaxListed))
	assert.Len(t, r.Response.Result.Details.Causes, admit.MaxListed)

	_, r, raw = admittest.Serve(admittest.Handler("pod-mutate", DecideMutate(e), config.Default()), body)
	require.NotNil(t, r, "%.300s", raw)
	require.NotNil(t, r.Response)
}

func BenchmarkJunkAnnotations(b *testing.B) {
	h := admittest.Handler("pod", DecideValidate(env(false, h100, a100)), config.Default())
	for _, n := range []int{1_000, 10_000, 50_000} {
		body := junkAnnotations(n)
		b.Run(fmt.Sprintf("annotations=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				admittest.Serve(h, body)
			}
		})
	}
}
