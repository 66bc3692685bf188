// Package affinity merges required node affinity into Pod specs without
// ever widening what the object already asked for (docs/webhooks.md): requirements
// are AND-ed into every required nodeSelectorTerm, a minimum that needs an
// OR splits terms, and identical requirements are never added twice. It is
// shared by the pod and DaemonSet webhooks and must not know about either.
package affinity

import (
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
)

// ErrTooManyTerms means a merge would exceed the bound on nodeSelectorTerms.
var ErrTooManyTerms = errors.New("too many node selector terms")

// MaxTerms bounds how far splitting may multiply the terms. The API server
// accepts more, but a scheduler evaluates every term for every node: 16 keeps
// two splitting minimums (×4) over four OR-ed terms of the user's.
const MaxTerms = 16

// Alternative is an AND of requirements.
type Alternative []corev1.NodeSelectorRequirement

// Clause is an OR of alternatives; most clauses have one alternative.
type Clause []Alternative

// Require is a clause of one requirement.
func Require(key string, op corev1.NodeSelectorOperator, values ...string) Clause {
	return Clause{{{Key: key, Operator: op, Values: values}}}
}

// Merge ANDs every clause into the required node affinity of aff and
// returns the new required selector and whether it differs. aff is not
// modified. Terms that already satisfy a clause (they carry every
// requirement of one of its alternatives) are left as they are, which makes
// merging idempotent. matchFields of a term are kept as they are.
func Merge(aff *corev1.Affinity, clauses []Clause) (*corev1.NodeSelector, bool, error) {
	var terms []corev1.NodeSelectorTerm
	if aff != nil && aff.NodeAffinity != nil && aff.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		for _, t := range aff.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
			terms = append(terms, *t.DeepCopy())
		}
	}
	if len(terms) == 0 {
		terms = []corev1.NodeSelectorTerm{{}}
	}
	changed := false
	for _, c := range clauses {
		var next []corev1.NodeSelectorTerm
		for _, t := range terms {
			if satisfied(t, c) {
				next = append(next, t)
				continue
			}
			changed = true
			for _, alt := range c {
				nt := *t.DeepCopy()
				for _, r := range alt {
					if !has(nt.MatchExpressions, r) {
						nt.MatchExpressions = append(nt.MatchExpressions, r)
					}
				}
				next = append(next, nt)
			}
		}
		if len(next) > MaxTerms {
			return nil, false, fmt.Errorf("%w: the GPU requirements would need %d nodeSelectorTerms, at most %d are allowed; simplify the pod's node affinity or its gpuguard.io annotations", ErrTooManyTerms, len(next), MaxTerms)
		}
		terms = next
	}
	return &corev1.NodeSelector{NodeSelectorTerms: terms}, changed, nil
}

func satisfied(t corev1.NodeSelectorTerm, c Clause) bool {
	for _, alt := range c {
		all := true
		for _, r := range alt {
			if !has(t.MatchExpressions, r) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

func has(rs []corev1.NodeSelectorRequirement, r corev1.NodeSelectorRequirement) bool {
	for _, x := range rs {
		if x.Key == r.Key && x.Operator == r.Operator && sets.New(x.Values...).Equal(sets.New(r.Values...)) {
			return true
		}
	}
	return false
}
