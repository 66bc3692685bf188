package config

import "github.com/gpuguard/gpuguard/config/vocab"

// APIVersion and Kind identify a policy file.
const (
	APIVersion = "gpuguard.io/v1alpha1"
	Kind       = "Policy"
)

// DefaultRuntimeClassName is the RuntimeClass the GPU Operator creates.
const DefaultRuntimeClassName = "nvidia"

// KnownComponents are the GPU Operator's components, each with whether
// its pods need the NVIDIA runtime class, from the catalogue of config/vocab.
func KnownComponents() []Component {
	cat := vocab.Components()
	out := make([]Component, len(cat))
	for i, c := range cat {
		out[i] = Component{Name: c.Name, RuntimeClass: c.RuntimeClass}
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
// not have to repeat the others.
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
	if p.Identities.Labeler.Empty() {
		p.Identities.Labeler = Subjects{ServiceAccounts: []string{"gpuguard/gpuguard-labeler"}}
	}
	if p.GPUOperatorNamespace == "" {
		p.GPUOperatorNamespace = vocab.DefaultOperatorNamespace
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
