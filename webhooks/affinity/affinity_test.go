package affinity

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
)

var present = Require("nvidia.com/gpu.present", corev1.NodeSelectorOpIn, "true")

func req(key string, op corev1.NodeSelectorOperator, values ...string) corev1.NodeSelectorRequirement {
	return corev1.NodeSelectorRequirement{Key: key, Operator: op, Values: values}
}

func required(terms ...corev1.NodeSelectorTerm) *corev1.Affinity {
	return &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: terms},
	}}
}

func TestMerge(t *testing.T) {
	zoneA := req("topology.kubernetes.io/zone", corev1.NodeSelectorOpIn, "a")
	gpu := req("nvidia.com/gpu.present", corev1.NodeSelectorOpIn, "true")
	tests := map[string]struct {
		aff     *corev1.Affinity
		clauses []Clause
		want    []corev1.NodeSelectorTerm
		changed bool
	}{
		"no affinity": {
			aff: nil, clauses: []Clause{present}, changed: true,
			want: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{gpu}}},
		},
		"several terms each get it": {
			aff: required(
				corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{zoneA}},
				corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{req("zone", corev1.NodeSelectorOpIn, "b")}},
			),
			clauses: []Clause{present}, changed: true,
			want: []corev1.NodeSelectorTerm{
				{MatchExpressions: []corev1.NodeSelectorRequirement{zoneA, gpu}},
				{MatchExpressions: []corev1.NodeSelectorRequirement{req("zone", corev1.NodeSelectorOpIn, "b"), gpu}},
			},
		},
		"matchFields term kept": {
			aff:     required(corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{req("metadata.name", corev1.NodeSelectorOpIn, "node-1")}}),
			clauses: []Clause{present}, changed: true,
			want: []corev1.NodeSelectorTerm{{
				MatchFields:      []corev1.NodeSelectorRequirement{req("metadata.name", corev1.NodeSelectorOpIn, "node-1")},
				MatchExpressions: []corev1.NodeSelectorRequirement{gpu},
			}},
		},
		"identical requirement not duplicated": {
			aff:     required(corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{req("nvidia.com/gpu.present", corev1.NodeSelectorOpIn, "true")}}),
			clauses: []Clause{present}, changed: false,
			want: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{gpu}}},
		},
		"conflicting requirement is AND-ed, never replaced": {
			aff:     required(corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{req("nvidia.com/gpu.present", corev1.NodeSelectorOpIn, "false")}}),
			clauses: []Clause{present}, changed: true,
			want: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{
				req("nvidia.com/gpu.present", corev1.NodeSelectorOpIn, "false"), gpu,
			}}},
		},
		"a minimum splits each term": {
			aff: required(corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{zoneA}}),
			clauses: []Clause{{
				{req("nvidia.com/gpu.compute.major", corev1.NodeSelectorOpGt, "8")},
				{req("nvidia.com/gpu.compute.major", corev1.NodeSelectorOpIn, "8"), req("nvidia.com/gpu.compute.minor", corev1.NodeSelectorOpGt, "5")},
			}},
			changed: true,
			want: []corev1.NodeSelectorTerm{
				{MatchExpressions: []corev1.NodeSelectorRequirement{zoneA, req("nvidia.com/gpu.compute.major", corev1.NodeSelectorOpGt, "8")}},
				{MatchExpressions: []corev1.NodeSelectorRequirement{zoneA, req("nvidia.com/gpu.compute.major", corev1.NodeSelectorOpIn, "8"), req("nvidia.com/gpu.compute.minor", corev1.NodeSelectorOpGt, "5")}},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, changed, err := Merge(tc.aff, tc.clauses)
			require.NoError(t, err)
			assert.Equal(t, tc.changed, changed)
			assert.Equal(t, tc.want, got.NodeSelectorTerms)
			again, changedAgain, err := Merge(required(got.NodeSelectorTerms...), tc.clauses)
			require.NoError(t, err)
			assert.False(t, changedAgain, "merging is idempotent")
			assert.Equal(t, got, again)
		})
	}
}

func TestPreferredUntouched(t *testing.T) {
	pref := []corev1.PreferredSchedulingTerm{{Weight: 10, Preference: corev1.NodeSelectorTerm{
		MatchExpressions: []corev1.NodeSelectorRequirement{req("a", corev1.NodeSelectorOpExists)}}}}
	aff := &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: pref}}
	got, _, err := Merge(aff, []Clause{present})
	require.NoError(t, err)
	assert.Len(t, got.NodeSelectorTerms, 1)
	assert.Equal(t, pref, aff.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution)
	assert.Nil(t, aff.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution, "the input is not modified")
}

func TestTermBound(t *testing.T) {
	split := Clause{{req("a", corev1.NodeSelectorOpExists)}, {req("b", corev1.NodeSelectorOpExists)}}
	var terms []corev1.NodeSelectorTerm
	for _, z := range []string{"1", "2", "3", "4", "5"} {
		terms = append(terms, corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{req("zone", corev1.NodeSelectorOpIn, z)}})
	}
	_, _, err := Merge(required(terms...), []Clause{split, split})
	require.NoError(t, err, "5 terms × 2 = 10, and the second split is already satisfied")
	_, _, err = Merge(required(terms...), []Clause{split, {{req("c", corev1.NodeSelectorOpExists)}, {req("d", corev1.NodeSelectorOpExists)}}})
	assert.ErrorIs(t, err, ErrTooManyTerms)
}

// BenchmarkMergeAgain merges into a selector that already carries every
// clause: the reinvocation and re-apply path, where each requirement is
// compared with the term's.
func BenchmarkMergeAgain(b *testing.B) {
	clauses := []Clause{present,
		Require("nvidia.com/gpu.product", corev1.NodeSelectorOpIn, "NVIDIA-H100-80GB-HBM3", "NVIDIA-H200-141GB-HBM3e"),
		Require("nvidia.com/gpu.family", corev1.NodeSelectorOpIn, "hopper", "blackwell")}
	sel, _, err := Merge(nil, clauses)
	require.NoError(b, err)
	aff := &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: sel}}
	b.ReportAllocs()
	for b.Loop() {
		if _, changed, _ := Merge(aff, clauses); changed {
			b.Fatal("a second merge changed the selector")
		}
	}
}
