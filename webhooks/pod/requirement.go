package pod

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gpuguard/gpuguard/webhooks/affinity"
	"github.com/gpuguard/gpuguard/webhooks/facts"
)

// requirement is one thing a pod asks of its GPU node, read from a
// gpuguard.io/ annotation (one file each) or from its MIG resources.
type requirement interface {
	// clause is the node affinity selecting the nodes that meet it; nil
	// when the scheduler selects them by other means (MIG resources).
	clause() affinity.Clause
	// satisfiedBy says whether nodes offering o meet it.
	satisfiedBy(o facts.Offer) bool
	// String describes it for messages: "family hopper or ampere".
	String() string
}

// annotation is how a requirement is read from its pod annotation.
type annotation struct {
	key string
	// parse reads the value; a malformed one gives errors at the
	// annotation's path naming the expected format. The path is built only
	// then: a pod's valid annotations cost no allocation for it.
	parse func(value string) (requirement, field.ErrorList)
}

// requirements are the requirement annotations, in the order their clauses
// and descriptions appear. Adding one is a file defining its annotation,
// and a row here.
var requirements = []annotation{
	productAnnotation,
	familyAnnotation,
	memoryMinAnnotation,
	computeCapabilityMinAnnotation,
	cudaMinAnnotation,
}

// want is everything a pod asks of its GPU node.
type want []requirement

// appendClauses appends to cs the node affinity on the fact labels that
// selects what a pod wants.
func (w want) appendClauses(cs []affinity.Clause) []affinity.Clause {
	for _, r := range w {
		if c := r.clause(); c != nil {
			cs = append(cs, c)
		}
	}
	return cs
}

func (w want) satisfiedBy(o facts.Offer) bool {
	for _, r := range w {
		if !r.satisfiedBy(o) {
			return false
		}
	}
	return true
}

func (w want) String() string {
	parts := make([]string, len(w))
	for i, r := range w {
		parts[i] = r.String()
	}
	return strings.Join(parts, ", ")
}
