package pod

import (
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gpuguard/gpuguard/config/vocab"
	"github.com/gpuguard/gpuguard/webhooks/affinity"
	"github.com/gpuguard/gpuguard/webhooks/facts"
)

// AnnotationMemoryMin asks for at least this much memory per GPU (a
// quantity: 40Gi, 80000Mi).
const AnnotationMemoryMin = "gpuguard.io/gpu-memory-min"

// maxGPUMemory bounds gpuguard.io/gpu-memory-min. The largest GPUs carry a
// few hundred GiB (nvidia.com/gpu.memory is in MiB); 1Pi is far above any
// and keeps every accepted value well inside int64 bytes.
var maxGPUMemory = resource.MustParse("1Pi")

// memoryMin asks for at least this many MiB of memory per GPU.
type memoryMin int64

var memoryMinAnnotation = annotation{key: AnnotationMemoryMin, parse: func(v string) (requirement, field.ErrorList) {
	q, err := resource.ParseQuantity(v)
	switch {
	case err != nil || q.Sign() <= 0:
		return nil, field.ErrorList{field.Invalid(annotationsPath.Key(AnnotationMemoryMin), v, "want a positive quantity of GPU memory, e.g. 40Gi or 80000Mi")}
	case q.Cmp(maxGPUMemory) > 0:
		// Compared as a decimal, before any conversion: 8Ei or 1e100
		// overflow int64 and used to become no requirement at all.
		return nil, field.ErrorList{field.Invalid(annotationsPath.Key(AnnotationMemoryMin), v,
			"more GPU memory than any GPU has; want at most "+maxGPUMemory.String()+", e.g. 40Gi or 80000Mi")}
	}
	return memoryMin((q.Value() + (1<<20 - 1)) >> 20), nil
}}

func (m memoryMin) clause() affinity.Clause {
	return affinity.Require(vocab.LabelGPUMemory, corev1.NodeSelectorOpGt, strconv.FormatInt(int64(m)-1, 10))
}

func (m memoryMin) satisfiedBy(o facts.Offer) bool { return o.MemoryMiB >= int64(m) }

func (m memoryMin) String() string { return fmt.Sprintf("at least %d MiB of GPU memory", int64(m)) }
