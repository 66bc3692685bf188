package compat

// This file's name sorts last: its test stops the webhook for good, so it
// runs after every other test of the package.

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/gpuguard/gpuguard/config/vocab"
)

// TestCELCostOnALargeNode: the matchConditions run on every Node write; a
// Node with hundreds of labels and annotations stays within the API
// server's CEL cost limits and still reaches the webhook for a judged key.
func TestCELCostOnALargeNode(t *testing.T) {
	many := map[string]any{}
	for i := range 400 {
		many[fmt.Sprintf("example.com/label-%d", i)] = "x"
		many[fmt.Sprintf("nvidia.com/other-%d", i)] = "y"
	}
	admitted(t, write{component: "person", patch: types.MergePatchType, client: person(), node: "cpu-0", labels: many})
	refused(t, write{component: "person", patch: types.MergePatchType, client: person(), node: "cpu-0",
		labels: map[string]any{deploy + "dcgm": "True"}}, `use "true", not "True"`)
	admitted(t, write{component: "person", patch: types.MergePatchType, client: person(), node: "cpu-0",
		labels: map[string]any{deploy + "dcgm": "true"}})
}

// TestWebhookOutage (issue 9 item 5): with the webhook down, the GPU
// Operator's state writes never reach it and succeed; a deploy-label edit
// fails closed.
func TestWebhookOutage(t *testing.T) {
	require.NoError(t, stack.Webhook.Kill())
	node := migNode
	admitted(t, write{component: "mig-manager", patch: types.MergePatchType, client: as(migManagerRole, node), node: node,
		labels: map[string]any{vocab.LabelMIGConfigState: "pending"}})
	admitted(t, write{component: "gpu-operator upgrade controller", patch: types.StrategicMergePatchType, client: as(operatorRole, ""), node: node,
		labels: map[string]any{vocab.LabelUpgradeState: "upgrade-required"}})
	admitted(t, write{component: "cc-manager", patch: types.StrategicMergePatchType, client: as(ccRole, node), node: node,
		mutate: func(n *corev1.Node) {
			n.Labels[vocab.LabelCCModeState], n.Labels[vocab.LabelCCReadyState] = "on", "true"
		}})
	admitted(t, write{component: "vgpu-device-manager", client: as(vgpuRole, node), node: node,
		labels: map[string]any{vocab.LabelVGPUConfigState: "success"}})
	admitted(t, write{component: "nfd-master", patch: types.JSONPatchType, client: as(nfdStandaloneRole, ""), node: node,
		labels: map[string]any{"feature.node.kubernetes.io/pci-10de.present": "true"}})
	refused(t, write{component: "person", patch: types.MergePatchType, client: person(), node: node,
		labels: map[string]any{deploy + "dcgm-exporter": "false"}}, "failed calling webhook")
}
