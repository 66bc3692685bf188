package compat

import (
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/gpuguard/gpuguard/config/vocab"
)

// sandboxNode turns a node into a vm-vgpu node as the operator would
// (NVIDIA/gpu-operator controllers/state_manager.go: the sandbox component
// labels) and returns a function that turns it back.
func sandboxNode(t *testing.T, node string, comps ...string) func() {
	t.Helper()
	admitted(t, write{component: "person", patch: types.MergePatchType, client: person(), node: node,
		labels: map[string]any{vocab.LabelWorkloadConfig: "vm-vgpu"}})
	on, off := map[string]any{}, map[string]any{}
	for _, c := range comps {
		on[deploy+c], off[deploy+c] = "true", nil
	}
	op := write{component: "gpu-operator", patch: types.MergePatchType, client: as(operatorRole, ""), node: node, labels: on}
	admitted(t, op)
	return func() {
		op.labels = off
		admitted(t, op)
		admitted(t, write{component: "person", patch: types.MergePatchType, client: person(), node: node,
			labels: map[string]any{vocab.LabelWorkloadConfig: nil}})
	}
}

// TestVGPUDeviceManager replays NVIDIA/vgpu-device-manager
// cmd/nvidia-k8s-vgpu-dm/main.go: full Nodes().Update calls pausing
// sandbox-device-plugin and sandbox-validator with paused-for-vgpu-change,
// setting vgpu.config.state, and restoring them.
func TestVGPUDeviceManager(t *testing.T) {
	for _, node := range gpuNodes {
		t.Run("vgpu-device-manager pause-restore on "+node+" (NVIDIA/vgpu-device-manager cmd/nvidia-k8s-vgpu-dm/main.go)", func(t *testing.T) {
			defer sandboxNode(t, node, "sandbox-device-plugin", "sandbox-validator")()
			w := func(labels map[string]any) write {
				return write{component: "vgpu-device-manager", client: as(vgpuRole, node), node: node, labels: labels}
			}
			admitted(t, w(map[string]any{deploy + "sandbox-device-plugin": vocab.PausedForVGPUChange, deploy + "sandbox-validator": vocab.PausedForVGPUChange}))
			admitted(t, w(map[string]any{vocab.LabelVGPUConfigState: "pending"}))
			admitted(t, w(map[string]any{vocab.LabelVGPUConfigState: "success"}))
			admitted(t, w(map[string]any{deploy + "sandbox-device-plugin": "true", deploy + "sandbox-validator": "true"}))
			assert.Equal(t, "true", labelsOf(t, node)[deploy+"sandbox-validator"])
		})
	}
}

// ccComponents are k8s-cc-manager's COMPONENT_LABELS
// (NVIDIA/k8s-cc-manager gpu_operator_eviction.py).
var ccComponents = []string{"vfio-manager", "vgpu-manager", "sandbox-validator", "sandbox-device-plugin", "vgpu-device-manager"}

// TestCCManager replays NVIDIA/k8s-cc-manager gpu_operator_eviction.py: the
// Node it read, with paused labels (_maybe_set_paused: "" and false stay,
// true becomes paused-for-cc-mode-change, others get the suffix), sent
// whole as a strategic merge patch; cc.mode.state; the restore.
func TestCCManager(t *testing.T) {
	for _, node := range gpuNodes {
		t.Run("cc-manager pause-restore on "+node+" (NVIDIA/k8s-cc-manager gpu_operator_eviction.py)", func(t *testing.T) {
			defer sandboxNode(t, node, "vgpu-manager", "sandbox-validator", "sandbox-device-plugin", "vgpu-device-manager")()
			// The driver manager paused vgpu-device-manager first.
			admitted(t, write{component: "driver-manager", patch: types.StrategicMergePatchType, client: as(driverRole, node), node: node,
				labels: map[string]any{deploy + "vgpu-device-manager": vocab.PausedForDriverUpgrade}})
			cur := labelsOf(t, node)
			w := func(set func(map[string]string)) write {
				return write{component: "cc-manager", patch: types.StrategicMergePatchType, client: as(ccRole, node), node: node,
					mutate: func(n *corev1.Node) { set(n.Labels) }}
			}
			admitted(t, w(func(l map[string]string) {
				for _, c := range ccComponents {
					l[deploy+c] = vocab.Compose(cur[deploy+c], vocab.PausedForCCModeChange)
				}
			}))
			assert.Equal(t, "paused-for-driver-upgrade_paused-for-cc-mode-change", labelsOf(t, node)[deploy+"vgpu-device-manager"])
			admitted(t, w(func(l map[string]string) { l[vocab.LabelCCModeState], l[vocab.LabelCCReadyState] = "on", "true" }))
			admitted(t, w(func(l map[string]string) {
				for _, c := range ccComponents {
					l[deploy+c] = vocab.Unpause(l[deploy+c], vocab.PausedForCCModeChange)
				}
			}))
			assert.Equal(t, vocab.PausedForDriverUpgrade, labelsOf(t, node)[deploy+"vgpu-device-manager"])
			assert.Equal(t, "true", labelsOf(t, node)[deploy+"vgpu-manager"])
		})
	}
}
