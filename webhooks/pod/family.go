package pod

import (
	"slices"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gpuguard/gpuguard/config/vocab"
	"github.com/gpuguard/gpuguard/webhooks/facts"
)

// AnnotationFamily asks for one of the listed GPU families
// (nvidia.com/gpu.family values, comma-separated).
const AnnotationFamily = "gpuguard.io/gpu-family"

// Families are the values of nvidia.com/gpu.family.
var Families = []string{"kepler", "maxwell", "pascal", "volta", "turing", "ampere", "ada-lovelace", "hopper", "blackwell", "rubin"}

var familyAnnotation = annotation{key: AnnotationFamily, parse: func(v string) (requirement, field.ErrorList) {
	r := oneOf{what: "family", label: vocab.LabelGPUFamily, values: list(v), of: func(o facts.Offer) string { return o.Family }}
	var errs field.ErrorList
	for _, f := range r.values {
		if !slices.Contains(Families, f) {
			errs = append(errs, field.NotSupported(annotationsPath.Key(AnnotationFamily), f, Families))
		}
	}
	return r, errs
}}
