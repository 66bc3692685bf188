package affinity_test

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/gpuguard/gpuguard/webhooks/affinity"
)

func ExampleMerge() {
	// A pod that runs in zone a or zone b, and needs compute capability 8.6.
	aff := &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
		NodeSelectorTerms: []corev1.NodeSelectorTerm{
			{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"a"}}}},
			{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"b"}}}},
		},
	}}}
	ccMin := affinity.Clause{
		{{Key: "nvidia.com/gpu.compute.major", Operator: corev1.NodeSelectorOpGt, Values: []string{"8"}}},
		{
			{Key: "nvidia.com/gpu.compute.major", Operator: corev1.NodeSelectorOpIn, Values: []string{"8"}},
			{Key: "nvidia.com/gpu.compute.minor", Operator: corev1.NodeSelectorOpGt, Values: []string{"5"}},
		},
	}
	sel, changed, err := affinity.Merge(aff, []affinity.Clause{affinity.Require("nvidia.com/gpu.present", corev1.NodeSelectorOpIn, "true"), ccMin})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(changed, len(sel.NodeSelectorTerms), "terms")
	for _, t := range sel.NodeSelectorTerms {
		var parts []string
		for _, r := range t.MatchExpressions {
			parts = append(parts, fmt.Sprintf("%s %s %v", r.Key, r.Operator, r.Values))
		}
		fmt.Println(strings.Join(parts, "; "))
	}
	// Output:
	// true 4 terms
	// zone In [a]; nvidia.com/gpu.present In [true]; nvidia.com/gpu.compute.major Gt [8]
	// zone In [a]; nvidia.com/gpu.present In [true]; nvidia.com/gpu.compute.major In [8]; nvidia.com/gpu.compute.minor Gt [5]
	// zone In [b]; nvidia.com/gpu.present In [true]; nvidia.com/gpu.compute.major Gt [8]
	// zone In [b]; nvidia.com/gpu.present In [true]; nvidia.com/gpu.compute.major In [8]; nvidia.com/gpu.compute.minor Gt [5]
}
