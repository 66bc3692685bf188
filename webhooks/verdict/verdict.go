package verdict

import (
	"slices"

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

// Enforced is a verdict under the policy's enforcement: what denies, and
// every warning to show (the verdict's own, then the warned violations).
type Enforced struct {
	Deny     field.ErrorList
	Warnings []string
}

// Enforce applies each rule's enforcement: deny keeps the violation, warn
// turns it into a warning, off drops it. The verdict is left as it is, so
// that what was decided can still be counted after enforcement.
func (v *Verdict) Enforce(mode func(rule config.Rule) config.Enforcement) Enforced {
	// Clipped: a warning appended here gets its own array and never writes
	// into the verdict's.
	e := Enforced{Warnings: slices.Clip(v.Warnings)}
	for _, x := range v.Violations {
		switch mode(x.Rule) {
		case config.Deny:
			e.Deny = append(e.Deny, x.Err)
		case config.Warn:
			e.Warnings = append(e.Warnings, "gpuguard: "+x.Err.Field+": "+x.Err.Detail)
		case config.Off:
		}
	}
	return e
}
