package config

import (
	"encoding/json"
	"errors"
	"fmt"
)

// MIGStrategy is the cluster-wide MIG strategy shared by the device plugin,
// the labeler and the webhooks: they must agree on it, or pods ask for a
// resource no node advertises.
type MIGStrategy string

// The MIG strategies NVIDIA's device plugin and GFD understand, and auto:
// whatever the GPU Operator's ClusterPolicy says.
const (
	MIGStrategyNone   MIGStrategy = "none"
	MIGStrategySingle MIGStrategy = "single"
	MIGStrategyMixed  MIGStrategy = "mixed"
	MIGStrategyAuto   MIGStrategy = "auto"
)

// MIGStrategies lists every strategy a cluster can run with, in
// documentation order.
var MIGStrategies = []MIGStrategy{MIGStrategyNone, MIGStrategySingle, MIGStrategyMixed}

// PolicyMIGStrategies lists every value the policy's migStrategy accepts.
var PolicyMIGStrategies = []MIGStrategy{MIGStrategyAuto, MIGStrategyNone, MIGStrategySingle, MIGStrategyMixed}

// StrategyResolution is the MIG strategy in force and why: the policy's
// explicit value, or the GPU Operator's ClusterPolicy under auto.
type StrategyResolution struct {
	// Strategy is none, single or mixed, never auto.
	Strategy MIGStrategy
	// Source names where Strategy comes from, for messages, e.g.
	// "ClusterPolicy cluster-policy spec.mig.strategy".
	Source string
	// Operator is the ClusterPolicy's strategy ("" unset reads as none),
	// valid when OperatorFound.
	Operator      MIGStrategy
	OperatorFound bool
	// Conflict is true when an explicit migStrategy differs from the
	// ClusterPolicy's: the device plugin and GFD follow the ClusterPolicy.
	Conflict bool
}

// EffectiveMIGStrategy is the strategy decisions use: the resolved one when
// the ClusterPolicy is followed, else the policy's own value, with auto
// meaning none (no ClusterPolicy known).
func (p *Policy) EffectiveMIGStrategy() MIGStrategy {
	if p.MIGStrategyResolved != nil {
		return p.MIGStrategyResolved.Strategy
	}
	if p.MIGStrategy == MIGStrategyAuto || p.MIGStrategy == "" {
		return MIGStrategyNone
	}
	return p.MIGStrategy
}

// MIGStrategySource says, for messages, where EffectiveMIGStrategy comes from.
func (p *Policy) MIGStrategySource() string {
	if p.MIGStrategyResolved != nil {
		return p.MIGStrategyResolved.Source
	}
	if p.MIGStrategy == MIGStrategyAuto || p.MIGStrategy == "" {
		return "gpuguard policy migStrategy auto, no GPU Operator ClusterPolicy"
	}
	return "gpuguard policy migStrategy"
}

// Enforcement says what a rule does when it is broken.
type Enforcement string

// Enforcement modes of a rule.
const (
	Deny Enforcement = "deny"
	Warn Enforcement = "warn"
	Off  Enforcement = "off"
)

// Policy is the whole policy file (docs/policy.md). The zero value is not useful:
// build one with Default, or Load/Parse a file (which apply the defaults).
type Policy struct {
	// APIVersion must be gpuguard.io/v1alpha1 when set; empty is accepted and
	// defaulted so that a minimal file is just the fields someone changes.
	APIVersion string `json:"apiVersion,omitempty"`
	// Kind must be Policy when set.
	Kind string `json:"kind,omitempty"`

	// MIGStrategy is auto, none, single or mixed. Default: auto, which
	// follows the GPU Operator's ClusterPolicy spec.mig.strategy live and
	// means none without one. An explicit value overrides the ClusterPolicy;
	// a disagreement is reported. Decisions read EffectiveMIGStrategy.
	MIGStrategy MIGStrategy `json:"migStrategy,omitempty"`

	// MIGStrategyResolved is filled in by whoever follows the ClusterPolicy
	// (never read from the file); nil means not resolved.
	MIGStrategyResolved *StrategyResolution `json:"-"`

	// RuntimeClassName is injected into GPU pods and into component pods that
	// need it. Default: nvidia. Set it to "" explicitly to disable injection.
	RuntimeClassName *string `json:"runtimeClassName,omitempty"`

	// GPUResources are the resource names that make a pod a GPU pod. A
	// trailing "*" matches any suffix. Default: nvidia.com/gpu,
	// nvidia.com/gpu.shared, nvidia.com/mig-*.
	GPUResources []string `json:"gpuResources,omitempty"`

	// GPUTaints are the taint keys GPU nodes carry; GPU pods and component
	// DaemonSets get an Exists/NoSchedule toleration for each. Default:
	// nvidia.com/gpu.
	GPUTaints []string `json:"gpuTaints,omitempty"`

	// Components are added to (or, by name, override) the GPU Operator's
	// known components (KnownComponents). Default: the known list.
	Components []Component `json:"components,omitempty"`

	// GPUOperatorNamespace is the namespace of the GPU Operator's service
	// accounts, the writers of the default table. Default: gpu-operator.
	GPUOperatorNamespace string `json:"gpuOperatorNamespace,omitempty"`

	// Identities adds identities to the table of writers.
	Identities Identities `json:"identities"`

	// Enforcement sets, per rule name, deny, warn or off (see RuleSpecs for
	// the rules and their defaults).
	Enforcement Rules `json:"enforcement"`

	// MIGConfig points to the MIG manager's config file, so that
	// nvidia.com/mig.config values other than all-* can be checked. Optional.
	MIGConfig *MIGConfigSource `json:"migConfig,omitempty"`
}

// Component is one GPU component the webhooks know about.
type Component struct {
	// Name is the <component> of nvidia.com/gpu.deploy.<component>.
	Name string `json:"name"`
	// RuntimeClass says whether the component's pods need the NVIDIA runtime
	// class (operator practice: device-plugin yes, driver no).
	RuntimeClass bool `json:"runtimeClass"`
}

// Identities lists, per writer, who acts as it (docs/webhooks.md). The
// writers and what each may write are the table of config/vocab
// (docs/writers.md); these fields add identities to it.
type Identities struct {
	// Labeler identities are gpuguard's labeler: facts, gpuguard.io/
	// annotations and deploy defaults, only on their own node. Default:
	// gpuguard/gpuguard-labeler.
	Labeler Subjects `json:"labeler"`
	// Operator identities act as every one of the GPU Operator's writers
	// (operator, MIG manager, driver manager, vGPU device manager, CC
	// manager, nfd-master). Default: none; each writer has its own service
	// account in gpuOperatorNamespace. Prefer writers.
	Operator Subjects `json:"operator,omitempty"`
	// Writers adds identities to writers of the table by name, e.g.
	// nfd-master: {serviceAccounts: [openshift-nfd/nfd-master]}.
	Writers map[string]Subjects `json:"writers,omitempty"`
}

// MIGConfigSource names the MIG manager's config file: a path mounted into
// the webhook pod, or a ConfigMap key. Exactly one must be set.
type MIGConfigSource struct {
	Path      string        `json:"path,omitempty"`
	ConfigMap *MIGConfigMap `json:"configMap,omitempty"`
}

// MIGConfigMap points at one key of one ConfigMap.
type MIGConfigMap struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Key       string `json:"key"`
}

// RuntimeClass returns the runtime class to inject, "" when disabled.
func (p *Policy) RuntimeClass() string {
	if p.RuntimeClassName == nil {
		return ""
	}
	return *p.RuntimeClassName
}

// Component returns the component named name and whether it is known.
func (p *Policy) Component(name string) (Component, bool) {
	for _, c := range p.Components {
		if c.Name == name {
			return c, true
		}
	}
	return Component{}, false
}

// ComponentNames returns the names of every known component, in order.
func (p *Policy) ComponentNames() []string {
	names := make([]string, len(p.Components))
	for i, c := range p.Components {
		names[i] = c.Name
	}
	return names
}

// UnmarshalJSON accepts the modes as strings and, because YAML 1.1 reads an
// unquoted off as a boolean, false as off.
func (e *Enforcement) UnmarshalJSON(data []byte) error {
	switch string(data) {
	case "false":
		*e = Off
		return nil
	case "true":
		return errors.New(`enforcement must be deny, warn or off, not a boolean`)
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("enforcement must be deny, warn or off: %w", err)
	}
	*e = Enforcement(s)
	return nil
}
