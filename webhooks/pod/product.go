package pod

import (
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gpuguard/gpuguard/config/vocab"
	"github.com/gpuguard/gpuguard/webhooks/facts"
)

// AnnotationProduct asks for one of the listed GPU products
// (nvidia.com/gpu.product values, comma-separated).
const AnnotationProduct = "gpuguard.io/gpu-product"

var productAnnotation = annotation{key: AnnotationProduct, parse: func(v string) (requirement, field.ErrorList) {
	r := oneOf{what: "product", label: vocab.LabelGPUProduct, values: list(v), of: func(o facts.Offer) string { return o.Product }}
	for _, p := range r.values {
		if msgs := validation.IsValidLabelValue(p); len(msgs) > 0 || p == "" {
			return nil, field.ErrorList{field.Invalid(annotationsPath.Key(AnnotationProduct), v,
				"want a comma-separated list of nvidia.com/gpu.product values, e.g. NVIDIA-H100-80GB-HBM3,NVIDIA-H200-141GB-HBM3e")}
		}
	}
	return r, nil
}}
