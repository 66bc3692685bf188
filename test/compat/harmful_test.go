package compat

import (
	"testing"

	"k8s.io/apimachinery/pkg/types"

	"github.com/gpuguard/gpuguard/config/vocab"
)

// TestHarmfulWrites: writes outside a writer's rows, each refused with the
// writer named and what it may write.
func TestHarmfulWrites(t *testing.T) {
	merge := types.MergePatchType
	tests := map[string]struct {
		w    write
		want []string
	}{
		"mig-manager sets a product (issue 9)": {
			write{component: "mig-manager", patch: merge, client: as(migManagerRole, plainNode), node: plainNode,
				labels: map[string]any{vocab.LabelGPUProduct: "NVIDIA-B200"}},
			[]string{"is not for mig-manager (service accounts gpu-operator/nvidia-mig-manager), which may write only"},
		},
		"driver-manager writes the MIG manager's pause": {
			write{component: "driver-manager", patch: types.StrategicMergePatchType, client: as(driverRole, plainNode), node: plainNode,
				labels: map[string]any{deploy + "device-plugin": vocab.PausedForMIGChange}},
			[]string{"is not for driver-manager"},
		},
		"vgpu-device-manager pauses the device plugin": {
			write{component: "vgpu-device-manager", client: as(vgpuRole, plainNode), node: plainNode,
				labels: map[string]any{deploy + "device-plugin": vocab.PausedForVGPUChange}},
			[]string{"is not for vgpu-device-manager"},
		},
		"nfd-master keeps dcgm off": {
			write{component: "nfd-master", patch: types.JSONPatchType, client: as(nfdStandaloneRole, ""), node: plainNode,
				labels: map[string]any{deploy + "dcgm": "false"}},
			[]string{"is not for nfd-master"},
		},
		"a person pauses for a MIG change": {
			write{component: "person", patch: merge, client: person(), node: plainNode,
				labels: map[string]any{deploy + "device-plugin": vocab.PausedForMIGChange}},
			[]string{"is written by mig-manager"},
		},
		"a person edits a fact": {
			write{component: "person", patch: merge, client: person(), node: plainNode,
				labels: map[string]any{vocab.LabelGPUProduct: "x"}},
			[]string{"cannot be edited"},
		},
		"a typo in the workload config (issue 9)": {
			write{component: "person", patch: merge, client: person(), node: plainNode,
				labels: map[string]any{vocab.LabelWorkloadConfig: "vm-pasthrough"}},
			[]string{"did you mean vm-passthrough?"},
		},
		"the operator edits a fact": {
			write{component: "gpu-operator", patch: merge, client: as(operatorRole, ""), node: plainNode,
				labels: map[string]any{vocab.LabelGPUProduct: "x"}},
			[]string{"is not for gpu-operator"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) { refused(t, tc.w, tc.want...) })
	}
}
