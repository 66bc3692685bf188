package server_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/admit"
	"github.com/gpuguard/gpuguard/webhooks/admit/admittest"
	"github.com/gpuguard/gpuguard/webhooks/pod"
)

const seedPod = `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1",
"kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},
"namespace":"ml","operation":"CREATE","userInfo":{"username":"alice"},
"object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"train","annotations":{"gpuguard.io/gpu-memory-min":"60Gi","gpuguard.io/compute-capability-min":"8.6"}},
"spec":{"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"zone","operator":"In","values":["a"]}]}]}}},
"containers":[{"name":"main","image":"cuda","resources":{"limits":{"nvidia.com/gpu":"1"}}}]}}}}`

func FuzzPodAdmission(f *testing.F) {
	f.Add([]byte(seedPod), true)
	f.Add([]byte(seedPod), false)
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"2","kind":{"kind":"Pod"},"operation":"CREATE","object":{"spec":{"initContainers":[{"resources":{"requests":{"nvidia.com/mig-1g.5gb":"1"}}}]}}}}`), true)
	f.Add([]byte(`{"request":{"kind":{"kind":"Pod"},"operation":"CREATE","object":{"metadata":{"annotations":{"gpuguard.io/cuda-min":"x.y"}}}}}`), false)
	f.Fuzz(mutateOrValidate(config.PathMutatePods, config.PathValidatePods))
}

// junkAnnotations is a GPU pod CREATE review with n unknown gpuguard.io
// annotations and a malformed compute-capability-min.
func junkAnnotations(n int) []byte {
	ann := make(map[string]string, n+1)
	for i := range n {
		ann[fmt.Sprintf("gpuguard.io/junk-%d", i)] = "x"
	}
	ann[pod.AnnotationCCMin] = "eight"
	return review("Pod", "pods", "CREATE", "", map[string]any{
		"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "train", "annotations": ann},
		"spec": map[string]any{"containers": []any{map[string]any{"name": "main", "image": "cuda",
			"resources": map[string]any{"limits": map[string]string{"nvidia.com/gpu": "1"}}}}},
	}, nil)
}

// A pod with 50,000 junk gpuguard.io annotations is refused by the
// validating webhook with a bounded message, promptly enough that the API
// server never times out and lets it through (issue 11); the mutating one
// answers too (it leaves refusing to validation).
func TestJunkAnnotationsDenied(t *testing.T) {
	const n = 50_000
	body := junkAnnotations(n)
	_, r, raw := admittest.Serve(handler(config.PathValidatePods), body)
	require.NotNil(t, r, "%.300s", raw)
	require.False(t, r.Response.Allowed)
	assert.Equal(t, int32(http.StatusForbidden), r.Response.Result.Code)
	assert.Contains(t, r.Response.Result.Message, fmt.Sprintf(", and %d more]", n+1-admit.MaxListed))
	assert.Len(t, r.Response.Result.Details.Causes, admit.MaxListed)

	_, r, raw = admittest.Serve(handler(config.PathMutatePods), body)
	require.NotNil(t, r, "%.300s", raw)
	require.NotNil(t, r.Response)
}

func BenchmarkJunkAnnotations(b *testing.B) {
	h := handler(config.PathValidatePods)
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
