package compat

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"k8s.io/apimachinery/pkg/types"

	"github.com/gpuguard/gpuguard/config/vocab"
)

// TestMIGManager replays NVIDIA/mig-parted pkg/mig/reconfigure/reconfigure.go:
// mig.config.state=pending, pause the GPU clients (maybeSetPaused: false
// stays, anything else becomes paused-for-mig-change), restore them
// (maybeSetTrue), state success — each a JSON merge patch.
func TestMIGManager(t *testing.T) {
	clients := []string{"device-plugin", "gpu-feature-discovery", "dcgm-exporter", "dcgm", "nvsm"}
	for _, node := range gpuNodes {
		t.Run("mig-manager pause-restore on "+node+" (NVIDIA/mig-parted pkg/mig/reconfigure/reconfigure.go)", func(t *testing.T) {
			c := as(migManagerRole, node)
			before := labelsOf(t, node)
			w := func(labels map[string]any) write {
				return write{component: "mig-manager", patch: types.MergePatchType, client: c, node: node, labels: labels}
			}
			admitted(t, w(map[string]any{vocab.LabelMIGConfigState: "pending"}))
			pause, restore := map[string]any{}, map[string]any{}
			for _, comp := range clients {
				v := before[deploy+comp]
				pause[deploy+comp], restore[deploy+comp] = vocab.PausedForMIGChange, "true"
				if v == "false" {
					pause[deploy+comp], restore[deploy+comp] = "false", "false"
				}
			}
			admitted(t, w(pause))
			assert.Equal(t, vocab.PausedForMIGChange, labelsOf(t, node)[deploy+"device-plugin"])
			admitted(t, w(restore))
			admitted(t, w(map[string]any{vocab.LabelMIGConfigState: "success"}))
			assert.Equal(t, "true", labelsOf(t, node)[deploy+"device-plugin"])
		})
	}
}

// driverComponents are the labels k8s-driver-manager pauses
// (NVIDIA/k8s-driver-manager cmd/driver-manager/main.go, fetchCurrentLabels).
var driverComponents = []string{"operator-validator", "container-toolkit", "device-plugin", "gpu-feature-discovery",
	"dcgm-exporter", "dcgm", "nvsm", "sandbox-validator", "sandbox-device-plugin", "vgpu-device-manager"}

// TestDriverManager replays NVIDIA/k8s-driver-manager: one strategic merge
// patch pausing every component (maybeSetPaused, "" for absent labels,
// <previous>_paused-for-driver-upgrade over a foreign value), the cordon
// with its initial-state annotation (internal/kubernetes/client.go), the
// uncordon and the restore (maybeSetTrue) — including over a MIG pause an
// interrupted reconfiguration left behind.
func TestDriverManager(t *testing.T) {
	for _, node := range gpuNodes {
		t.Run("driver-manager evict-reschedule on "+node+" (NVIDIA/k8s-driver-manager cmd/driver-manager/main.go)", func(t *testing.T) {
			mig := write{component: "mig-manager", patch: types.MergePatchType, client: as(migManagerRole, node), node: node}
			mig.labels = map[string]any{deploy + "device-plugin": vocab.PausedForMIGChange}
			admitted(t, mig) // a MIG reconfiguration interrupted mid-way
			c := as(driverRole, node)
			w := func(labels map[string]any) write {
				return write{component: "driver-manager", patch: types.StrategicMergePatchType, client: c, node: node, labels: labels}
			}
			cur := labelsOf(t, node)
			evict := map[string]any{}
			comps := driverComponents
			if cur[deploy+"mig-manager"] != "" {
				comps = append(comps, "mig-manager")
			}
			for _, comp := range comps {
				evict[deploy+comp] = vocab.Compose(cur[deploy+comp], vocab.PausedForDriverUpgrade)
			}
			admitted(t, w(evict))
			paused := labelsOf(t, node)
			assert.Equal(t, "paused-for-mig-change_paused-for-driver-upgrade", paused[deploy+"device-plugin"])
			assert.Equal(t, vocab.PausedForDriverUpgrade, paused[deploy+"dcgm"])
			cordon := write{component: "driver-manager", patch: types.StrategicMergePatchType, client: c, node: node}
			assert.NoError(t, cordonWrite(t, cordon, true))
			reschedule := map[string]any{}
			for _, comp := range comps {
				reschedule[deploy+comp] = vocab.Unpause(paused[deploy+comp], vocab.PausedForDriverUpgrade)
			}
			assert.NoError(t, cordonWrite(t, cordon, false))
			admitted(t, w(reschedule))
			assert.Equal(t, vocab.PausedForMIGChange, labelsOf(t, node)[deploy+"device-plugin"])
			mig.labels = map[string]any{deploy + "device-plugin": "true"}
			admitted(t, mig)
		})
	}
	t.Run("driver-manager pre-installed (NVIDIA/k8s-driver-manager cmd/driver-manager/main.go disableContainerizedDriver)", func(t *testing.T) {
		admitted(t, write{component: "driver-manager", patch: types.StrategicMergePatchType, client: as(driverRole, plainNode),
			node: plainNode, labels: map[string]any{deploy + "driver": vocab.ValuePreInstalled}})
		admitted(t, write{component: "person", patch: types.MergePatchType, client: person(), node: plainNode,
			labels: map[string]any{deploy + "driver": "true"}})
	})
}

// cordonWrite replays CordonNode/UncordonNode: the initial-state annotation,
// then spec.unschedulable, each a strategic merge patch.
func cordonWrite(t *testing.T, w write, on bool) error {
	t.Helper()
	const ann = "nvidia.com/driver-manager.node-initial-state.unschedulable"
	var body []map[string]any
	if on {
		body = []map[string]any{
			{"metadata": map[string]any{"annotations": map[string]any{ann: "false"}}},
			{"spec": map[string]any{"unschedulable": true}},
		}
	} else {
		body = []map[string]any{
			{"spec": map[string]any{"unschedulable": nil}},
			{"metadata": map[string]any{"annotations": map[string]any{ann: nil}}},
		}
	}
	for _, b := range body {
		if err := w.patchWith(t.Context(), b); err != nil {
			return err
		}
	}
	t.Logf("driver-manager strategic patch on %s: cordon=%v admitted", w.node, on)
	return nil
}
