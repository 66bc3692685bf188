package facts

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Where GFD maintains a node's facts (the labeler's --facts-from auto or
// gfd), the index reads GFD's labels, written by nfd-master, next to what
// the labeler still adds: gpu.present and its annotations. The keys are
// the same, so are the offers; a shared GPU keeps GFD's -SHARED product,
// which is what a product affinity must match on that node.
func TestFromGFDLabels(t *testing.T) {
	gfd := map[string]string{
		LabelGPUProduct: "NVIDIA-H100-80GB-HBM3-SHARED", LabelGPUMemory: "81559", LabelGPUFamily: "hopper",
		LabelComputeMajor: "9", LabelComputeMinor: "0", LabelCUDAMajor: "13", LabelCUDAMinor: "0",
		LabelMIGCapable: "true", "nvidia.com/gpu.replicas": "4", "nvidia.com/gpu.sharing-strategy": "mps",
	}
	annotations := map[string]string{
		"nfd.node.kubernetes.io/feature-labels": "nvidia.com/gpu.product,nvidia.com/gpu.replicas",
		AnnotationMIGProfiles:                   "1g.10gb,7g.80gb",
	}
	n := FromLabels("gpu-h100-0", gfd, annotations)
	assert.True(t, n.HasGPU(), "GFD writes no gpu.present; its product says GPU")
	assert.False(t, n.GPUPresent)
	assert.Equal(t, Offer{
		Product: "NVIDIA-H100-80GB-HBM3-SHARED", Family: "hopper", MemoryMiB: 81559, ComputeMajor: 9,
		CUDAMajor: 13, MIGProfiles: "1g.10gb,7g.80gb",
	}, n.Offer)

	gfd[LabelGPUPresent] = "true" // added by the labeler
	assert.Equal(t, n.Offer, FromLabels("gpu-h100-0", gfd, annotations).Offer, "same offer either way")
}
