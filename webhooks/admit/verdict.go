package admit

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gpuguard/gpuguard/config"
)

// Violation is one broken rule.
type Violation struct {
	// Rule names the policy rule, for metrics and enforcement.
	Rule config.Rule
	Err  *field.Error
}

// Verdict is a decision: violations deny (or warn, by enforcement),
// warnings are shown to the client, Patch mutates.
type Verdict struct {
	Violations []Violation
	Warnings   []string
	// Patch is a JSON patch (RFC 6902) for mutating webhooks.
	Patch []PatchOp
}

// PatchOp is one JSON patch operation.
type PatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// Add records a violation of rule.
func (v *Verdict) Add(rule config.Rule, err *field.Error) {
	v.Violations = append(v.Violations, Violation{Rule: rule, Err: err})
}

// Warn records a warning.
func (v *Verdict) Warn(msg string) { v.Warnings = append(v.Warnings, msg) }

// Enforce applies each rule's enforcement: deny keeps the violation, warn
// turns it into a warning, off drops it. It returns what denies.
func (v *Verdict) Enforce(mode func(rule config.Rule) config.Enforcement) field.ErrorList {
	var deny field.ErrorList
	kept := v.Violations[:0]
	for _, x := range v.Violations {
		switch mode(x.Rule) {
		case config.Deny:
			deny = append(deny, x.Err)
			kept = append(kept, x)
		case config.Warn:
			v.Warnings = append(v.Warnings, "gpuguard: "+x.Err.Field+": "+x.Err.Detail)
		case config.Off:
		}
	}
	v.Violations = kept
	return deny
}
