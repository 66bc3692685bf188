package compat

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/gpuguard/gpuguard/test/harness"
)

// labelerAs acts as gpuguard's labeler pod on node: its service account and
// its bound token's node-name extra.
func labelerAs(node string) kubernetes.Interface {
	return as(role{ns: harness.Namespace, sa: harness.Release + "-labeler"}, node)
}

// TestLabelerConfinedToItsNode (issue 11): the labeler's identity changes
// only its own node's nvidia.com/ labels and gpuguard.io/ annotations, as
// its rows allow — never another node, spec, taints or other keys.
func TestLabelerConfinedToItsNode(t *testing.T) {
	c := labelerAs(migNode)
	w := func(node string, labels map[string]any) write {
		return write{component: "gpuguard-labeler", patch: types.MergePatchType, client: c, node: node, labels: labels}
	}
	admitted(t, w(migNode, map[string]any{"nvidia.com/gfd.timestamp": "1764300001"}))
	refused(t, w(plainNode, map[string]any{deploy + "operands": "false"}), "only the node it runs on", plainNode)
	refused(t, w(plainNode, map[string]any{"nvidia.com/gfd.timestamp": "1"}), "only the node it runs on")
	refused(t, w(migNode, map[string]any{deploy + "operands": "false"}), "is not for gpuguard-labeler")
	refused(t, w(migNode, map[string]any{"team": "ml"}), "only nvidia.com/ labels")
	for _, node := range []string{plainNode, migNode} {
		taint := write{component: "gpuguard-labeler", patch: types.MergePatchType, client: c, node: node}
		err := taint.patchWith(context.Background(), map[string]any{"spec": map[string]any{
			"taints": []corev1.Taint{{Key: "gpuguard.io/evil", Effect: corev1.TaintEffectNoExecute}}}})
		t.Logf("gpuguard-labeler of %s taints %s: %v", migNode, node, err)
		require.Error(t, err, "a taint on %s", node)
		err = taint.patchWith(context.Background(), map[string]any{"spec": map[string]any{"unschedulable": true}})
		t.Logf("gpuguard-labeler of %s cordons %s: %v", migNode, node, err)
		require.Error(t, err, "a cordon of %s", node)
	}
	raw, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]any{"gpuguard.io/pci-devices": "0x20b010de"}}})
	require.NoError(t, err)
	_, err = c.CoreV1().Nodes().Patch(context.Background(), migNode, types.MergePatchType, raw, metav1.PatchOptions{})
	require.NoError(t, err, "its own gpuguard.io/ annotation")
}
