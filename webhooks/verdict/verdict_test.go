package verdict_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/verdict"
)

// Enforcement sorts violations into denials and warnings and leaves the
// verdict untouched, so that the adapter counts what was decided.
func TestEnforceLeavesTheVerdict(t *testing.T) {
	var v verdict.Verdict
	v.Warnings = make([]string, 0, 4) // room to append into, were Enforce to share it
	v.Warn("plain")
	v.Add(config.RuleUnsatisfiable, field.Forbidden(field.NewPath("spec"), "no node"))
	v.Add(config.RuleAnnotations, field.Invalid(field.NewPath("metadata", "annotations"), "x", "bad"))
	v.Add(config.RuleComponents, field.Invalid(field.NewPath("metadata", "labels"), "y", "off"))
	mode := func(r config.Rule) config.Enforcement {
		switch r {
		case config.RuleUnsatisfiable:
			return config.Warn
		case config.RuleComponents:
			return config.Off
		default:
			return config.Deny
		}
	}
	e := v.Enforce(mode)
	assert.Equal(t, []string{"plain", "gpuguard: spec: no node"}, e.Warnings)
	if assert.Len(t, e.Deny, 1) {
		assert.Equal(t, "metadata.annotations", e.Deny[0].Field)
	}
	assert.Len(t, v.Violations, 3, "the verdict keeps every violation")
	assert.Equal(t, []string{"plain"}, v.Warnings, "the verdict's warnings are its own")
	assert.Empty(t, v.Warnings[:2][1], "nothing was written into the verdict's spare capacity")
}
