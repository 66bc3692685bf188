package config

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/sets"
)

// Every rule constant has a row, and every row a unique name and a valid
// default: a rule added without its row fails here, not silently at runtime.
func TestRuleTable(t *testing.T) {
	names := sets.New[string]()
	for r := Rule(1); r < ruleEnd; r++ {
		s := ruleTable[r]
		require.NotEmpty(t, s.Name, "rule %d has no row in ruleTable", r)
		assert.False(t, names.Has(s.Name), "rule name %q is used twice", s.Name)
		names.Insert(s.Name)
		assert.Contains(t, []Enforcement{Deny, Warn, Off}, s.Default, "rule %s", s.Name)
		assert.NotEmpty(t, s.Checks, "rule %s says what it checks", s.Name)
		assert.True(t, r.Known())
	}
	assert.Len(t, RuleSpecs(), int(ruleEnd)-1)
	assert.False(t, Rule(0).Known(), "the zero Rule is no rule")
	assert.False(t, ruleEnd.Known())
}

func TestRulesMode(t *testing.T) {
	r := Rules{RuleUnsatisfiable: Off}
	assert.Equal(t, Off, r.Mode(RuleUnsatisfiable), "configured")
	assert.Equal(t, Deny, r.Mode(RuleDeployLabels), "default")
	assert.Equal(t, Deny, Rules{RuleAnnotations: Off}.Mode(RuleAnnotations), "fixed rules keep their default")
	assert.Equal(t, Deny, r.Mode(Rule(0)), "unknown rules fail closed")

	p := Default()
	for _, s := range RuleSpecs() {
		assert.Equal(t, s.Default, p.Enforcement.Mode(s.Rule), "default of %s", s.Name)
	}
}

func TestRuleText(t *testing.T) {
	for _, s := range RuleSpecs() {
		raw, err := json.Marshal(Rules{s.Rule: Warn})
		require.NoError(t, err)
		assert.JSONEq(t, `{"`+s.Name+`":"warn"}`, string(raw))
		var back Rules
		require.NoError(t, json.Unmarshal(raw, &back))
		assert.Equal(t, Rules{s.Rule: Warn}, back)
	}
	var r Rules
	err := json.Unmarshal([]byte(`{"deployLabel":"deny"}`), &r)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown rule "deployLabel" in enforcement: the rules are deployLabels, migStrategyLabel`)
	assert.Equal(t, "Rule(0)", Rule(0).String())
}
