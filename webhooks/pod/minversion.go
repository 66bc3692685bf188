package pod

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gpuguard/gpuguard/config/vocab"
	"github.com/gpuguard/gpuguard/webhooks/affinity"
	"github.com/gpuguard/gpuguard/webhooks/facts"
)

// Minimum versions a pod asks for, each "<major>.<minor>".
const (
	AnnotationCCMin   = "gpuguard.io/compute-capability-min" // CUDA compute capability
	AnnotationCUDAMin = "gpuguard.io/cuda-min"               // CUDA runtime version
)

var (
	computeCapabilityMinAnnotation = minVersionAnnotation(AnnotationCCMin, "8.6", minVersion{what: "compute capability",
		majorKey: vocab.LabelComputeMajor, minorKey: vocab.LabelComputeMinor, of: func(o facts.Offer) (int, int) { return o.ComputeMajor, o.ComputeMinor }})
	cudaMinAnnotation = minVersionAnnotation(AnnotationCUDAMin, "12.4", minVersion{what: "CUDA",
		majorKey: vocab.LabelCUDAMajor, minorKey: vocab.LabelCUDAMinor, of: func(o facts.Offer) (int, int) { return o.CUDAMajor, o.CUDAMinor }})
)

// version is "<major>.<minor>".
type version struct{ major, minor int }

func (v version) String() string { return fmt.Sprintf("%d.%d", v.major, v.minor) }

// minVersion asks for a fact version, kept in two labels (major, minor), of
// at least min.
type minVersion struct {
	// what names the fact in messages ("CUDA").
	what               string
	majorKey, minorKey string
	// of reads the fact from an offer.
	of  func(facts.Offer) (major, minor int)
	min version
}

// minVersionAnnotation reads annotation key, "<major>.<minor>" (e.g.
// example), as a minimum of r's fact.
func minVersionAnnotation(key, example string, r minVersion) annotation {
	return annotation{key: key, parse: func(v string) (requirement, field.ErrorList) {
		maj, minor, found := strings.Cut(v, ".")
		a, err1 := strconv.Atoi(maj)
		b, err2 := strconv.Atoi(minor)
		if !found || err1 != nil || err2 != nil || a < 0 || b < 0 {
			return nil, field.ErrorList{field.Invalid(annotationsPath.Key(key), v, "want <major>.<minor>, e.g. "+example)}
		}
		r.min = version{a, b}
		return r, nil
	}}
}

// clause needs an OR over the two labels: ≥ 8.6 is major > 8, or major = 8
// and minor ≥ 6.
func (r minVersion) clause() affinity.Clause {
	gt := func(key string, n int) corev1.NodeSelectorRequirement {
		return corev1.NodeSelectorRequirement{Key: key, Operator: corev1.NodeSelectorOpGt, Values: []string{strconv.Itoa(n)}}
	}
	if r.min.minor == 0 {
		return affinity.Clause{{gt(r.majorKey, r.min.major-1)}}
	}
	return affinity.Clause{
		{gt(r.majorKey, r.min.major)},
		{{Key: r.majorKey, Operator: corev1.NodeSelectorOpIn, Values: []string{strconv.Itoa(r.min.major)}}, gt(r.minorKey, r.min.minor-1)},
	}
}

func (r minVersion) satisfiedBy(o facts.Offer) bool {
	major, minor := r.of(o)
	return major > r.min.major || major == r.min.major && minor >= r.min.minor
}

func (r minVersion) String() string { return r.what + " " + r.min.String() + " or newer" }
