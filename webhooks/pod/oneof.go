package pod

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/gpuguard/gpuguard/webhooks/affinity"
	"github.com/gpuguard/gpuguard/webhooks/facts"
)

// oneOf asks for a node whose fact label is one of the listed values.
type oneOf struct {
	// what names the fact in messages ("product").
	what string
	// label is the fact label.
	label  string
	values []string
	// of reads the fact from an offer.
	of func(facts.Offer) string
}

func (r oneOf) clause() affinity.Clause {
	return affinity.Require(r.label, corev1.NodeSelectorOpIn, r.values...)
}

func (r oneOf) satisfiedBy(o facts.Offer) bool { return slices.Contains(r.values, r.of(o)) }

func (r oneOf) String() string { return r.what + " " + strings.Join(r.values, " or ") }
