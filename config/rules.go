package config

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Rule is one rule of the webhooks. Decisions report a broken rule by its
// Rule; the policy's enforcement block sets, by the rule's name, what
// breaking it does. The zero Rule is no rule: a violation that forgot to
// name its rule is an error, never a silent deny.
type Rule uint8

// The rules, in documentation order. Add a rule by adding a constant here
// and its row to ruleTable; TestRuleTable fails for a constant without a row.
const (
	// RuleDeployLabels: nvidia.com/gpu.deploy.* keys and values.
	RuleDeployLabels Rule = iota + 1
	// RuleMIGStrategyLabel: nvidia.com/mig.strategy edits.
	RuleMIGStrategyLabel
	// RuleMIGConfig: nvidia.com/mig.config values.
	RuleMIGConfig
	// RuleFactLabels: who may write discovered labels.
	RuleFactLabels
	// RuleMIGResources: nvidia.com/mig-* requests under a non-mixed strategy.
	RuleMIGResources
	// RuleUnsatisfiable: GPU pods no node can run.
	RuleUnsatisfiable
	// RuleComponents: component DaemonSet checks.
	RuleComponents
	// RuleAnnotations: malformed gpuguard.io/* pod annotations.
	RuleAnnotations

	ruleEnd // one past the last rule
)

// RuleSpec is one row of the rule table.
type RuleSpec struct {
	// Rule is the rule this row describes.
	Rule Rule
	// Name is the rule's key in the policy's enforcement block and its
	// "rule" label on metrics.
	Name string
	// Default is the enforcement when the policy does not set one.
	Default Enforcement
	// Fixed rules cannot be configured: their Default always applies.
	Fixed bool
	// Checks says, in one line, what the rule checks.
	Checks string
}

// ruleTable is indexed by Rule; it is never written after initialisation.
// A constant without a row leaves an empty Name, which TestRuleTable catches.
var ruleTable = [ruleEnd]RuleSpec{
	RuleDeployLabels:     {Name: "deployLabels", Default: Deny, Checks: "nvidia.com/gpu.deploy.* label keys and values on Nodes"},
	RuleMIGStrategyLabel: {Name: "migStrategyLabel", Default: Deny, Checks: "nvidia.com/mig.strategy label edits on Nodes"},
	RuleMIGConfig:        {Name: "migConfig", Default: Deny, Checks: "nvidia.com/mig.config label values on Nodes"},
	RuleFactLabels:       {Name: "factLabels", Default: Deny, Checks: "who may write discovered (fact) labels on Nodes"},
	RuleMIGResources:     {Name: "migResources", Default: Deny, Checks: "nvidia.com/mig-* requests of pods under a MIG strategy other than mixed"},
	// Warn, because the node that fits may simply not have joined yet.
	RuleUnsatisfiable: {Name: "unsatisfiable", Default: Warn, Checks: "GPU pods that no labelled GPU node can run"},
	RuleComponents:    {Name: "components", Default: Deny, Checks: "GPU component DaemonSets: component name and MIG strategy env"},
	// Fixed: a malformed requirement cannot be obeyed, so there is nothing
	// to warn about and nothing to switch off.
	RuleAnnotations: {Name: "annotations", Default: Deny, Fixed: true, Checks: "malformed gpuguard.io/* pod annotations"},
}

// RuleSpecs returns the rule table, in documentation order.
func RuleSpecs() []RuleSpec {
	out := make([]RuleSpec, 0, len(ruleTable)-1)
	for r := RuleDeployLabels; r < ruleEnd; r++ {
		s := ruleTable[r]
		s.Rule = r
		out = append(out, s)
	}
	return out
}

// Known reports whether r is a rule of the table.
func (r Rule) Known() bool { return r > 0 && r < ruleEnd && ruleTable[r].Name != "" }

// String returns the rule's name, as in the policy's enforcement block.
func (r Rule) String() string {
	if !r.Known() {
		return fmt.Sprintf("Rule(%d)", uint8(r))
	}
	return ruleTable[r].Name
}

// MarshalText writes the rule's name.
func (r Rule) MarshalText() ([]byte, error) {
	if !r.Known() {
		return nil, fmt.Errorf("unknown rule %d", uint8(r))
	}
	return []byte(r.String()), nil
}

// UnmarshalText reads a rule's name: a key of the enforcement block.
func (r *Rule) UnmarshalText(text []byte) error {
	for _, s := range RuleSpecs() {
		if s.Name == string(text) {
			*r = s.Rule
			return nil
		}
	}
	return fmt.Errorf("unknown rule %q in enforcement: the rules are %s", text, strings.Join(ruleNames(true), ", "))
}

// ruleNames returns the names of the rules, only the configurable ones when
// configurableOnly is set.
func ruleNames(configurableOnly bool) []string {
	var names []string
	for _, s := range RuleSpecs() {
		if !configurableOnly || !s.Fixed {
			names = append(names, s.Name)
		}
	}
	return names
}

// Rules holds the enforcement of each configurable rule, keyed by rule name
// in the policy file. A rule missing from it has its default enforcement.
type Rules map[Rule]Enforcement

// Mode returns the enforcement of rule: its configured mode, else its
// default. Fixed rules always have their default; an unknown rule denies,
// but callers check Known first so that this never happens silently.
func (r Rules) Mode(rule Rule) Enforcement {
	if !rule.Known() {
		return Deny
	}
	s := ruleTable[rule]
	if s.Fixed {
		return s.Default
	}
	if m, ok := r[rule]; ok {
		return m
	}
	return s.Default
}

// UnmarshalJSON decodes the enforcement block. It exists for the YAML
// reader: sigs.k8s.io/yaml turns an unquoted off (a YAML 1.1 boolean) into
// the string "false" when the target is a plain map of strings, and
// Enforcement's own decoder must see the boolean to read it as off.
func (r *Rules) UnmarshalJSON(data []byte) error {
	type plain Rules
	return json.Unmarshal(data, (*plain)(r))
}
