package config

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/sets"
)

// policyReference is the operator's reference of every policy field.
const policyReference = "../docs/policy.md"

// docRow matches a table row of docs/policy.md: its first two cells, the
// first a code span.
var docRow = regexp.MustCompile("^\\| `([^`]+)` \\| ([^|]*) \\|")

// docTables returns, per "## " section of the reference, its table rows:
// first cell → second cell.
func docTables(t *testing.T) map[string]map[string]string {
	t.Helper()
	data, err := os.ReadFile(policyReference)
	require.NoError(t, err)
	out := map[string]map[string]string{}
	section := ""
	for _, line := range strings.Split(string(data), "\n") {
		if s, ok := strings.CutPrefix(line, "## "); ok {
			section = s
			out[section] = map[string]string{}
			continue
		}
		if m := docRow.FindStringSubmatch(line); m != nil && section != "" {
			out[section][m[1]] = strings.TrimSpace(m[2])
		}
	}
	return out
}

// policyFields lists the path of every leaf field of t as an operator
// writes it: JSON names joined by dots, "[]" after a list of objects, and
// the enforcement block's keys from the rule table.
func policyFields(t reflect.Type, prefix string) []string {
	if t == reflect.TypeFor[Rules]() {
		var out []string
		for _, name := range ruleNames(true) {
			out = append(out, prefix+"."+name)
		}
		return out
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Struct:
		var out []string
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" || name == "" {
				continue
			}
			if prefix != "" {
				name = prefix + "." + name
			}
			out = append(out, policyFields(f.Type, name)...)
		}
		return out
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct:
		return policyFields(t.Elem(), prefix+"[]")
	}
	return []string{prefix}
}

// The policy reference documents exactly the fields of Policy: a field
// added to the Go types without its row, or a row left behind after a field
// is removed, fails here.
func TestPolicyReferenceMatchesTypes(t *testing.T) {
	documented := sets.KeySet(docTables(t)["Fields"])
	require.NotEmpty(t, documented, "no field table found in %s", policyReference)
	fields := sets.New(policyFields(reflect.TypeFor[Policy](), "")...)
	assert.Empty(t, sets.List(fields.Difference(documented)), "policy fields missing from %s", policyReference)
	assert.Empty(t, sets.List(documented.Difference(fields)), "fields in %s that the policy does not have", policyReference)
}

// The enforcement table lists every rule with its default as the rule
// table has it.
func TestPolicyReferenceRules(t *testing.T) {
	tables := docTables(t)
	rows := tables["Enforcement"]
	require.Len(t, rows, len(RuleSpecs()), "one row per rule in %s", policyReference)
	for _, s := range RuleSpecs() {
		got, ok := rows[s.Name]
		if !assert.True(t, ok, "rule %s is not documented", s.Name) {
			continue
		}
		want := "`" + string(s.Default) + "`"
		if s.Fixed {
			assert.Equal(t, want+", fixed", got, "default of rule %s", s.Name)
			continue
		}
		assert.Equal(t, want, got, "default of rule %s", s.Name)
		assert.Equal(t, want, tables["Fields"]["enforcement."+s.Name], "enforcement.%s in the field table", s.Name)
	}
}
