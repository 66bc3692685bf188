package labeler

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/gpuguard/gpuguard/config/vocab"
)

// deployDefaultsWritten is the value of vocab.AnnotationDeployDefaults. The
// marker makes the defaults a one-time gift: a person or the operator who
// later removes every deploy label means it.
const deployDefaultsWritten = "written"

// deployLabels returns the deploy labels the labeler applies, and whether
// it applies the marker annotation.
//
// Deploy defaults are written once, and only where nobody else decides: a
// node that carries no deploy label yet, whose operands label is not
// "false" and whose workload is "container" (or not set). That is the GPU
// Operator's own rule for container workloads; with operands=false or a VM
// workload the operator removes the container labels, and re-adding them
// would schedule the container driver onto a VFIO or vGPU host.
//
// After that the labeler keeps exactly the deploy labels it still owns. A
// label someone removed or changed is no longer the labeler's (the other
// writer's update took it), so it is never re-added or reset; and deploy
// labels do not depend on NVML, so they stay when NVML fails or is
// missing, facts or not — the driver they schedule is what brings NVML
// back.
func deployLabels(node *corev1.Node, own owners, f *Facts) (Labels, bool) {
	out := Labels{}
	for k, v := range node.Labels {
		if strings.HasPrefix(k, vocab.DeployPrefix) && own.ours[labelKey(k)] {
			out[k] = v
		}
	}
	marker := own.ours[annotationKey(vocab.AnnotationDeployDefaults)]
	if len(f.Deploy) == 0 || !wantsDeployDefaults(node) {
		return out, marker
	}
	for k, v := range f.Deploy {
		if _, set := node.Labels[k]; !set {
			out[k] = v
		}
	}
	return out, true
}

// wantsDeployDefaults reports whether the node is one the labeler may give
// deploy defaults to.
func wantsDeployDefaults(node *corev1.Node) bool {
	if _, done := node.Annotations[vocab.AnnotationDeployDefaults]; done {
		return false
	}
	if node.Labels[vocab.LabelDeployOperands] == vocab.ValueFalse {
		return false
	}
	if w := node.Labels[vocab.LabelWorkloadConfig]; w != "" && w != "container" {
		return false
	}
	for k, v := range node.Labels {
		// An empty value counts as absent, as the GPU Operator reads it.
		if strings.HasPrefix(k, vocab.DeployPrefix) && v != "" {
			return false
		}
	}
	return true
}
