package vocab

import "slices"

// Component is one GPU Operator component: the <component> of
// nvidia.com/gpu.deploy.<component>.
type Component struct {
	Name string
	// RuntimeClass says whether the component's pods need the NVIDIA runtime
	// class. Operator practice: the components that talk to GPUs from inside
	// a container need it; the driver and the container toolkit install it
	// and so cannot depend on it.
	RuntimeClass bool
	// Values are the plain values anyone may write (SPEC §1.2). Paused
	// values are not listed here: they belong to the writer that pauses the
	// component (see Table.Pausers).
	Values []string
}

// Deploy label values.
const (
	ValueTrue         = "true"
	ValueFalse        = "false"
	ValuePreInstalled = "pre-installed"
)

// DefaultValues are the plain values of a component that lists none.
var DefaultValues = []string{ValueTrue, ValueFalse}

// Components is the GPU Operator's component catalogue (SPEC §1.2), read
// from NVIDIA/gpu-operator controllers/state_manager.go (gpuStateLabels).
func Components() []Component {
	needs := map[string]bool{
		"device-plugin": true, "gpu-feature-discovery": true, "dcgm": true,
		"dcgm-exporter": true, "mig-manager": true, "operator-validator": true,
	}
	names := []string{
		"driver", "container-toolkit", "device-plugin", "gpu-feature-discovery",
		"dcgm", "dcgm-exporter", "node-status-exporter", "operator-validator",
		"mig-manager", "client", "nvsm", "operands", "sandbox-device-plugin",
		"kata-sandbox-device-plugin", "sandbox-validator", "vfio-manager",
		"vgpu-manager", "vgpu-device-manager", "kata-manager", "cc-manager",
		"dra-driver", "dra-validator", "dcgm-dra", "dcgm-exporter-dra",
	}
	out := make([]Component, len(names))
	for i, n := range names {
		out[i] = Component{Name: n, RuntimeClass: needs[n], Values: DefaultValues}
	}
	// k8s-driver-manager labels the driver pre-installed when the host has
	// one (NVIDIA/k8s-driver-manager cmd/driver-manager/main.go,
	// disableContainerizedDriver).
	out[0].Values = []string{ValueTrue, ValueFalse, ValuePreInstalled}
	return out
}

// ComponentValues returns the plain values of a component, DefaultValues for
// one the catalogue does not list (a policy-added component).
func ComponentValues(name string) []string {
	for _, c := range Components() {
		if c.Name == name {
			return c.Values
		}
	}
	return DefaultValues
}

// WorkloadConfigs are the values of nvidia.com/gpu.workload.config; the GPU
// Operator silently falls back to container on any other
// (NVIDIA/gpu-operator controllers/state_manager.go, getWorkloadConfig).
var WorkloadConfigs = []string{"container", "vm-passthrough", "vm-vgpu"}

// IsWorkloadConfig reports whether v is a workload config the operator knows.
func IsWorkloadConfig(v string) bool { return slices.Contains(WorkloadConfigs, v) }
