package pod

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gpuguard/gpuguard/webhooks/affinity"
	"github.com/gpuguard/gpuguard/webhooks/suggest"
)

// Pod annotations gpuguard reads.
const (
	AnnotationProduct   = "gpuguard.io/gpu-product"
	AnnotationFamily    = "gpuguard.io/gpu-family"
	AnnotationMemoryMin = "gpuguard.io/gpu-memory-min"
	AnnotationCCMin     = "gpuguard.io/compute-capability-min"
	AnnotationCUDAMin   = "gpuguard.io/cuda-min"
	AnnotationInject    = "gpuguard.io/inject"
	annotationPrefix    = "gpuguard.io/"
)

var knownAnnotations = []string{AnnotationProduct, AnnotationFamily, AnnotationMemoryMin, AnnotationCCMin, AnnotationCUDAMin, AnnotationInject}

// Families are the values of nvidia.com/gpu.family.
var Families = []string{"kepler", "maxwell", "pascal", "volta", "turing", "ampere", "ada-lovelace", "hopper", "blackwell", "rubin"}

// version is "<major>.<minor>".
type version struct{ major, minor int }

func (v version) String() string { return fmt.Sprintf("%d.%d", v.major, v.minor) }

func (v version) atLeast(major, minor int) bool {
	return major > v.major || major == v.major && minor >= v.minor
}

// Want is what a pod asks of its GPU node.
type Want struct {
	Products  []string
	Families  []string
	MemoryMiB int64
	CC        *version
	CUDA      *version
	// MIGProfiles are the MIG devices requested (nvidia.com/mig-<profile>).
	MIGProfiles []string
}

var annotationsPath = field.NewPath("metadata", "annotations")

// maxGPUMemory bounds gpuguard.io/gpu-memory-min. The largest GPUs carry a
// few hundred GiB (nvidia.com/gpu.memory is in MiB); 1Pi is far above any
// and keeps every accepted value well inside int64 bytes.
var maxGPUMemory = resource.MustParse("1Pi")

// parseWant reads the pod's gpuguard.io annotations; every malformed one is
// an error naming the expected format.
func parseWant(ann map[string]string) (Want, field.ErrorList) {
	var w Want
	var errs field.ErrorList
	for k, v := range ann {
		if !strings.HasPrefix(k, annotationPrefix) || slices.Contains(knownAnnotations, k) {
			continue
		}
		msg := "unknown gpuguard annotation"
		if best, ok := suggest.Typo(k, knownAnnotations); ok {
			msg += "; did you mean " + best + "?"
		} else {
			msg += "; known: " + strings.Join(knownAnnotations, ", ")
		}
		errs = append(errs, field.Invalid(annotationsPath.Key(k), v, msg))
	}
	if v, ok := ann[AnnotationProduct]; ok {
		w.Products = list(v)
		for _, p := range w.Products {
			if msgs := validation.IsValidLabelValue(p); len(msgs) > 0 || p == "" {
				errs = append(errs, field.Invalid(annotationsPath.Key(AnnotationProduct), v,
					"want a comma-separated list of nvidia.com/gpu.product values, e.g. NVIDIA-H100-80GB-HBM3,NVIDIA-H200-141GB-HBM3e"))
				break
			}
		}
	}
	if v, ok := ann[AnnotationFamily]; ok {
		w.Families = list(v)
		for _, f := range w.Families {
			if !slices.Contains(Families, f) {
				errs = append(errs, field.NotSupported(annotationsPath.Key(AnnotationFamily), f, Families))
			}
		}
	}
	if v, ok := ann[AnnotationMemoryMin]; ok {
		q, err := resource.ParseQuantity(v)
		switch {
		case err != nil || q.Sign() <= 0:
			errs = append(errs, field.Invalid(annotationsPath.Key(AnnotationMemoryMin), v, "want a positive quantity of GPU memory, e.g. 40Gi or 80000Mi"))
		case q.Cmp(maxGPUMemory) > 0:
			// Compared as a decimal, before any conversion: 8Ei or 1e100
			// overflow int64 and used to become no requirement at all.
			errs = append(errs, field.Invalid(annotationsPath.Key(AnnotationMemoryMin), v,
				"more GPU memory than any GPU has; want at most "+maxGPUMemory.String()+", e.g. 40Gi or 80000Mi"))
		default:
			w.MemoryMiB = (q.Value() + (1<<20 - 1)) >> 20
		}
	}
	var err *field.Error
	if w.CC, err = parseVersion(ann, AnnotationCCMin, "8.6"); err != nil {
		errs = append(errs, err)
	}
	if w.CUDA, err = parseVersion(ann, AnnotationCUDAMin, "12.4"); err != nil {
		errs = append(errs, err)
	}
	if v, ok := ann[AnnotationInject]; ok && v != "true" && v != "false" {
		errs = append(errs, field.NotSupported(annotationsPath.Key(AnnotationInject), v, []string{"true", "false"}))
	}
	return w, errs
}

func parseVersion(ann map[string]string, key, example string) (*version, *field.Error) {
	v, ok := ann[key]
	if !ok {
		return nil, nil
	}
	maj, minor, found := strings.Cut(v, ".")
	a, err1 := strconv.Atoi(maj)
	b, err2 := strconv.Atoi(minor)
	if !found || err1 != nil || err2 != nil || a < 0 || b < 0 {
		return nil, field.Invalid(annotationsPath.Key(key), v, "want <major>.<minor>, e.g. "+example)
	}
	return &version{a, b}, nil
}

func list(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		out = append(out, strings.TrimSpace(s))
	}
	return out
}

// Clauses turns what a pod wants into node affinity on the fact labels.
// Minimums over two labels (major, minor) need an OR: ≥ 8.6 is major > 8,
// or major = 8 and minor ≥ 6.
func (w Want) Clauses() []affinity.Clause {
	var cs []affinity.Clause
	if len(w.Products) > 0 {
		cs = append(cs, affinity.Require("nvidia.com/gpu.product", corev1.NodeSelectorOpIn, w.Products...))
	}
	if len(w.Families) > 0 {
		cs = append(cs, affinity.Require("nvidia.com/gpu.family", corev1.NodeSelectorOpIn, w.Families...))
	}
	if w.MemoryMiB > 0 {
		cs = append(cs, affinity.Require("nvidia.com/gpu.memory", corev1.NodeSelectorOpGt, strconv.FormatInt(w.MemoryMiB-1, 10)))
	}
	if w.CC != nil {
		cs = append(cs, minimum("nvidia.com/gpu.compute.major", "nvidia.com/gpu.compute.minor", *w.CC))
	}
	if w.CUDA != nil {
		cs = append(cs, minimum("nvidia.com/cuda.runtime-version.major", "nvidia.com/cuda.runtime-version.minor", *w.CUDA))
	}
	return cs
}

func minimum(majorKey, minorKey string, v version) affinity.Clause {
	gt := func(key string, n int) corev1.NodeSelectorRequirement {
		return corev1.NodeSelectorRequirement{Key: key, Operator: corev1.NodeSelectorOpGt, Values: []string{strconv.Itoa(n)}}
	}
	if v.minor == 0 {
		return affinity.Clause{{gt(majorKey, v.major-1)}}
	}
	return affinity.Clause{
		{gt(majorKey, v.major)},
		{{Key: majorKey, Operator: corev1.NodeSelectorOpIn, Values: []string{strconv.Itoa(v.major)}}, gt(minorKey, v.minor-1)},
	}
}
