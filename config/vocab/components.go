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
	// Default says on which nodes the labeler gives the component its deploy
	// label when the node has none yet.
	Default Default
	// Values are the plain values anyone may write; nil means DefaultValues.
	// Paused values are not listed here: they belong to the writer that
	// pauses the component (see Table.Pausers).
	Values []string
}

// Default says on which nodes the labeler sets a component's deploy label
// to true by default.
type Default int

const (
	// NotByDefault leaves the component to the operator or a person.
	NotByDefault Default = iota
	// OnGPUNodes turns it on on every GPU node running container
	// workloads, as the GPU Operator does.
	OnGPUNodes
	// OnMIGCapableNodes turns it on on GPU nodes whose GPUs support MIG.
	OnMIGCapableNodes
)

// Deploy label values.
const (
	ValueTrue         = "true"
	ValueFalse        = "false"
	ValuePreInstalled = "pre-installed"
)

// DefaultValues are the plain values of a component that lists none.
var DefaultValues = []string{ValueTrue, ValueFalse}

// catalogue is the GPU Operator's component catalogue, read from
// NVIDIA/gpu-operator controllers/state_manager.go (gpuStateLabels and the
// sandbox and vGPU state labels). Adding a component is adding a row.
var catalogue = []Component{
	// k8s-driver-manager labels the driver pre-installed when the host has
	// one (NVIDIA/k8s-driver-manager cmd/driver-manager/main.go,
	// disableContainerizedDriver).
	{Name: "driver", Default: OnGPUNodes, Values: []string{ValueTrue, ValueFalse, ValuePreInstalled}},
	{Name: "container-toolkit", Default: OnGPUNodes},
	{Name: "device-plugin", RuntimeClass: true, Default: OnGPUNodes},
	{Name: "gpu-feature-discovery", RuntimeClass: true, Default: OnGPUNodes},
	{Name: "dcgm", RuntimeClass: true, Default: OnGPUNodes},
	{Name: "dcgm-exporter", RuntimeClass: true, Default: OnGPUNodes},
	{Name: "node-status-exporter", Default: OnGPUNodes},
	{Name: "operator-validator", RuntimeClass: true, Default: OnGPUNodes},
	{Name: "mig-manager", RuntimeClass: true, Default: OnMIGCapableNodes},
	{Name: "client"},
	{Name: "nvsm"},
	{Name: "operands"},
	{Name: "sandbox-device-plugin"},
	{Name: "kata-sandbox-device-plugin"},
	{Name: "sandbox-validator"},
	{Name: "vfio-manager"},
	{Name: "vgpu-manager"},
	{Name: "vgpu-device-manager"},
	{Name: "kata-manager"},
	{Name: "cc-manager"},
	{Name: "dra-driver"},
	{Name: "dra-validator"},
	{Name: "dcgm-dra"},
	{Name: "dcgm-exporter-dra"},
}

// Components returns the catalogue, every component's Values filled in.
func Components() []Component {
	out := slices.Clone(catalogue)
	for i := range out {
		if out[i].Values == nil {
			out[i].Values = DefaultValues
		}
	}
	return out
}

// ComponentValues returns the plain values of a component, DefaultValues for
// one the catalogue does not list (a policy-added component).
func ComponentValues(name string) []string {
	for _, c := range catalogue {
		if c.Name == name && c.Values != nil {
			return c.Values
		}
	}
	return DefaultValues
}

// DefaultDeployComponents are the components the labeler turns on by default
// on a node running container workloads: the GPU Operator's defaults, plus
// those for MIG when the node's GPUs support it.
func DefaultDeployComponents(migCapable bool) []string {
	var out []string
	for _, c := range catalogue {
		if c.Default == OnGPUNodes || (migCapable && c.Default == OnMIGCapableNodes) {
			out = append(out, c.Name)
		}
	}
	return out
}

// WorkloadConfigs are the values of nvidia.com/gpu.workload.config; the GPU
// Operator silently falls back to container on any other
// (NVIDIA/gpu-operator controllers/state_manager.go, getWorkloadConfig).
var WorkloadConfigs = []string{"container", "vm-passthrough", "vm-vgpu"}

// IsWorkloadConfig reports whether v is a workload config the operator knows.
func IsWorkloadConfig(v string) bool { return slices.Contains(WorkloadConfigs, v) }
