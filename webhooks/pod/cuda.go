package pod

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gpuguard/gpuguard/config/vocab"
	"github.com/gpuguard/gpuguard/webhooks/facts"
)

// AnnotationCUDAMin asks for at least this CUDA runtime version
// ("<major>.<minor>").
const AnnotationCUDAMin = "gpuguard.io/cuda-min"

var cudaMinAnnotation = annotation{key: AnnotationCUDAMin, parse: func(path *field.Path, v string) (requirement, field.ErrorList) {
	return parseMinVersion(minVersion{
		what: "CUDA", majorKey: vocab.LabelCUDAMajor, minorKey: vocab.LabelCUDAMinor,
		of: func(o facts.Offer) (int, int) { return o.CUDAMajor, o.CUDAMinor },
	}, path, v, "12.4")
}}
