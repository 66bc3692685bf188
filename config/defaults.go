package config

// APIVersion and Kind identify a policy file.
const (
	APIVersion = "gpuguard.io/v1alpha1"
	Kind       = "Policy"
)

// DefaultRuntimeClassName is the RuntimeClass the GPU Operator creates.
const DefaultRuntimeClassName = "nvidia"

// KnownComponents are the GPU Operator's components, each with
// whether its pods need the NVIDIA runtime class. Operator practice: the
// components that talk to GPUs from inside a container need it; the driver
// and the container toolkit install it and so cannot depend on it.
func KnownComponents() []Component {
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
		out[i] = Component{Name: n, RuntimeClass: needs[n]}
	}
	return out
}

// Default returns the policy used when no file is given: every field at its
// documented default.
func Default() *Policy {
	p := &Policy{}
	p.applyDefaults()
	return p
}

// applyDefaults fills every unset field. Components given in the file are
// merged onto the known list by name, so a file that adds one component does
// not have to repeat the other twenty-four.
func (p *Policy) applyDefaults() {
	if p.APIVersion == "" {
		p.APIVersion = APIVersion
	}
	if p.Kind == "" {
		p.Kind = Kind
	}
	if p.MIGStrategy == "" {
		p.MIGStrategy = MIGStrategyAuto
	}
	if p.RuntimeClassName == nil {
		rc := DefaultRuntimeClassName
		p.RuntimeClassName = &rc
	}
	if len(p.GPUResources) == 0 {
		p.GPUResources = []string{"nvidia.com/gpu", "nvidia.com/gpu.shared", "nvidia.com/mig-*"}
	}
	if len(p.GPUTaints) == 0 {
		p.GPUTaints = []string{"nvidia.com/gpu"}
	}
	p.Components = mergeComponents(KnownComponents(), p.Components)
	if isEmpty(p.Identities.Labeler) {
		p.Identities.Labeler = Subjects{ServiceAccounts: []string{"gpuguard/gpuguard-labeler"}}
	}
	if isEmpty(p.Identities.Operator) {
		// Every GPU Operator operand that writes labels (the operator itself,
		// the MIG manager, the driver manager) runs in its namespace.
		p.Identities.Operator = Subjects{Groups: []string{"system:serviceaccounts:gpu-operator"}}
	}
	if p.Enforcement == nil {
		p.Enforcement = Rules{}
	}
	for _, r := range RuleSpecs() {
		if _, set := p.Enforcement[r.Rule]; !set && !r.Fixed {
			p.Enforcement[r.Rule] = r.Default
		}
	}
}

func mergeComponents(known, extra []Component) []Component {
	out := known
	for _, c := range extra {
		replaced := false
		for i := range out {
			if out[i].Name == c.Name {
				out[i], replaced = c, true
			}
		}
		if !replaced {
			out = append(out, c)
		}
	}
	return out
}

func isEmpty(s Subjects) bool {
	return len(s.Users) == 0 && len(s.Groups) == 0 && len(s.ServiceAccounts) == 0
}
