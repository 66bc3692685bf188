package facts

import (
	"strconv"
	"strings"

	"github.com/gpuguard/gpuguard/config/vocab"
)

// Label keys the index reads, from the vocabulary.
const (
	LabelPrefix            = vocab.LabelPrefix
	LabelGPUPresent        = vocab.LabelGPUPresent
	LabelGPUProduct        = vocab.LabelGPUProduct
	LabelGPUMemory         = vocab.LabelGPUMemory
	LabelGPUFamily         = vocab.LabelGPUFamily
	LabelComputeMajor      = vocab.LabelComputeMajor
	LabelComputeMinor      = vocab.LabelComputeMinor
	LabelCUDAMajor         = vocab.LabelCUDAMajor
	LabelCUDAMinor         = vocab.LabelCUDAMinor
	LabelMIGCapable        = vocab.LabelMIGCapable
	LabelMIGStrategy       = vocab.LabelMIGStrategy
	LabelDeployPrefix      = vocab.DeployPrefix
	AnnotationPrefix       = vocab.AnnotationPrefix
	AnnotationMIGProfiles  = vocab.AnnotationMIGProfiles
	AnnotationPCIDeviceIDs = vocab.AnnotationPCIDeviceIDs
)

// Offer is what one kind of GPU node offers to a workload: the facts a pod's
// GPU requirements are matched against. Nodes with equal offers are counted
// together, which keeps the aggregates as small as the number of GPU models.
type Offer struct {
	Product      string
	Family       string
	MemoryMiB    int64
	ComputeMajor int
	ComputeMinor int
	CUDAMajor    int
	CUDAMinor    int
	// MIGProfiles is the node's comma-separated mig-profiles annotation.
	MIGProfiles string
}

// Node holds the GPU facts of one Node.
type Node struct {
	Name       string
	GPUPresent bool
	MIGCapable bool
	Offer      Offer
	// Deploy maps a component to its nvidia.com/gpu.deploy.<component> value.
	Deploy map[string]string
}

// FromLabels reads the facts of a node from its labels and annotations,
// whoever wrote them: gpuguard's labeler, or GFD through nfd-master where
// the labeler leaves the facts to GFD (same keys, same formats). Missing or
// malformed numbers read as 0: only those writers may write these labels,
// and the node webhook keeps everybody else off them.
func FromLabels(name string, labels, annotations map[string]string) Node {
	n := Node{
		Name:       name,
		GPUPresent: labels[LabelGPUPresent] == "true",
		MIGCapable: labels[LabelMIGCapable] == "true",
		Offer: Offer{
			Product:      labels[LabelGPUProduct],
			Family:       labels[LabelGPUFamily],
			MemoryMiB:    atoi64(labels[LabelGPUMemory]),
			ComputeMajor: atoi(labels[LabelComputeMajor]),
			ComputeMinor: atoi(labels[LabelComputeMinor]),
			CUDAMajor:    atoi(labels[LabelCUDAMajor]),
			CUDAMinor:    atoi(labels[LabelCUDAMinor]),
			MIGProfiles:  annotations[AnnotationMIGProfiles],
		},
	}
	for k, v := range labels {
		if c, ok := strings.CutPrefix(k, LabelDeployPrefix); ok {
			if n.Deploy == nil {
				n.Deploy = map[string]string{}
			}
			n.Deploy[c] = v
		}
	}
	return n
}

// HasGPU reports whether the node offers GPUs to workloads.
func (n Node) HasGPU() bool { return n.GPUPresent || n.Offer.Product != "" }

func atoi(s string) int {
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return v
}

func atoi64(s string) int64 {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0
	}
	return v
}
