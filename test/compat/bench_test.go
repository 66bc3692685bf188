package compat

import (
	"context"
	"encoding/json"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/gpuguard/gpuguard/config/vocab"
)

// BenchmarkLabelWrite times one label write through the API server: a key
// gpuguard judges (sent to the webhook by the matchConditions) against one
// it does not (never sent). Run both in the same process and compare the
// ratio: `go test ./test/compat -run '^$' -bench LabelWrite`.
func BenchmarkLabelWrite(b *testing.B) {
	for name, key := range map[string]string{"judged": deploy + "dcgm-exporter", "unjudged": vocab.LabelMIGConfigState} {
		b.Run(name, func(b *testing.B) {
			values := []string{"true", "false"}
			if key == vocab.LabelMIGConfigState {
				values = []string{"pending", "success"}
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				raw, _ := json.Marshal(map[string]any{"metadata": map[string]any{"labels": map[string]string{key: values[i%2]}}})
				i++
				if _, err := stack.Clientset.CoreV1().Nodes().Patch(context.Background(), plainNode, types.MergePatchType, raw, metav1.PatchOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
