package node

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gpuguard/gpuguard/webhooks/admit"
	"github.com/gpuguard/gpuguard/webhooks/admit/admittest"
	"github.com/gpuguard/gpuguard/webhooks/facts"
)

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
	review := map[string]any{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": map[string]any{
		"uid": "1", "kind": map[string]string{"version": "v1", "kind": "Node"},
		"resource": map[string]string{"version": "v1", "resource": "nodes"},
		"name":     "gpu-h100-0", "operation": "UPDATE", "userInfo": map[string]any{"username": "alice"},
		"object": node(labels), "oldObject": node(map[string]string{}),
	}}
	raw, err := json.Marshal(review)
	if err != nil {
		panic(err)
	}
	return raw
}

// 50,000 unknown deploy labels are refused with a bounded message (issue
// 11: a quadratic message used to pin the webhook for minutes).
func TestManyBadLabelsDenied(t *testing.T) {
	const n = 50_000
	_, r, raw := admittest.Serve(handler(), manyBadLabels(n))
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
	h := handler()
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
