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
	"github.com/gpuguard/gpuguard/webhooks/facts"
)

const seedNodeReview = `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1",
"kind":{"group":"","version":"v1","kind":"Node"},"resource":{"group":"","version":"v1","resource":"nodes"},
"name":"gpu-a100-0","operation":"UPDATE","userInfo":{"username":"alice","groups":["system:authenticated"]},
"object":{"apiVersion":"v1","kind":"Node","metadata":{"name":"gpu-a100-0","labels":{"nvidia.com/gpu.deploy.dcgm-exporter":"False","nvidia.com/gpu.product":"x"}}},
"oldObject":{"apiVersion":"v1","kind":"Node","metadata":{"name":"gpu-a100-0","labels":{"nvidia.com/gpu.product":"NVIDIA-A100"}}}}}`

// FuzzNodeAdmission sends arbitrary bodies to the node webhook: it must
// never panic and must always answer with an AdmissionReview (or a 400 for
// what is not one).
func FuzzNodeAdmission(f *testing.F) {
	f.Add([]byte(seedNodeReview))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"2","kind":{"kind":"Node"},"operation":"CREATE","object":{"metadata":{"labels":{"nvidia.com/mig.config":"all-1g.5gb"}}}}}`))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"3","kind":{"kind":"Pod"},"operation":"DELETE"}}`))
	f.Add([]byte(`{}`))
	h := handler(config.PathValidateNodes)
	f.Fuzz(func(t *testing.T, body []byte) { admittest.Check(t, h, body) })
}

func TestSeedNodeReviewIsDenied(t *testing.T) {
	_, review, raw := admittest.Serve(handler(config.PathValidateNodes), []byte(seedNodeReview))
	require.NotNil(t, review, "not an AdmissionReview: %s", raw)
	require.False(t, review.Response.Allowed)
	assert.Equal(t, int32(http.StatusForbidden), review.Response.Result.Code)
	want := `nodes "gpu-a100-0" is forbidden: gpuguard node rules: [metadata.labels[nvidia.com/gpu.deploy.dcgm-exporter]: Invalid value: "False": values are case-sensitive: use "false", not "False"` +
		`, metadata.labels[nvidia.com/gpu.product]: Forbidden: nvidia.com/gpu.product is discovered from the hardware by the gpuguard labeler and cannot be edited (its writers: nfd-master, gpuguard-labeler; the policy's identities.writers adds one)]`
	assert.Equal(t, want, review.Response.Result.Message)
}

func BenchmarkNodeValidation(b *testing.B) {
	h := handler(config.PathValidateNodes)
	b.ReportAllocs()
	for b.Loop() {
		admittest.Serve(h, []byte(seedNodeReview))
	}
}

// manyBadLabels is an UPDATE review of a Node that gains n deploy labels
// naming no known component.
func manyBadLabels(n int) []byte {
	labels := make(map[string]string, n)
	for i := range n {
		labels[fmt.Sprintf("%sjunk-%d", facts.LabelDeployPrefix, i)] = "true"
	}
	node := func(l map[string]string) map[string]any {
		return map[string]any{"apiVersion": "v1", "kind": "Node", "metadata": map[string]any{"name": "gpu-h100-0", "labels": l}}
	}
	return review("Node", "nodes", "UPDATE", "gpu-h100-0", node(labels), node(map[string]string{}))
}

// 50,000 unknown deploy labels are refused with a bounded message (issue
// 11: a quadratic message used to pin the webhook for minutes).
func TestManyBadLabelsDenied(t *testing.T) {
	const n = 50_000
	_, r, raw := admittest.Serve(handler(config.PathValidateNodes), manyBadLabels(n))
	require.NotNil(t, r, "%.300s", raw)
	require.False(t, r.Response.Allowed)
	assert.Equal(t, int32(http.StatusForbidden), r.Response.Result.Code)
	assert.Contains(t, r.Response.Result.Message, "unknown GPU component")
	assert.Contains(t, r.Response.Result.Message, fmt.Sprintf(", and %d more]", n-admit.MaxListed))
	assert.Len(t, r.Response.Result.Details.Causes, admit.MaxListed)
}

// Time per review against the number of bad labels, rules and adapter
// together: ns/op should grow about 10× from 1k to 10k and 5× to 50k.
func BenchmarkManyBadLabels(b *testing.B) {
	h := handler(config.PathValidateNodes)
	for _, n := range []int{1_000, 10_000, 50_000} {
		body := manyBadLabels(n)
		b.Run(fmt.Sprintf("labels=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				admittest.Serve(h, body)
			}
		})
	}
}
