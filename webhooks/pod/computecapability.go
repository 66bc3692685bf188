package pod

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gpuguard/gpuguard/config/vocab"
	"github.com/gpuguard/gpuguard/webhooks/facts"
)

// AnnotationCCMin asks for at least this CUDA compute capability
// ("<major>.<minor>").
const AnnotationCCMin = "gpuguard.io/compute-capability-min"

var computeCapabilityMinAnnotation = annotation{key: AnnotationCCMin, parse: func(path *field.Path, v string) (requirement, field.ErrorList) {
	return parseMinVersion(minVersion{
		what: "compute capability", majorKey: vocab.LabelComputeMajor, minorKey: vocab.LabelComputeMinor,
		of: func(o facts.Offer) (int, int) { return o.ComputeMajor, o.ComputeMinor },
	}, path, v, "8.6")
}}
