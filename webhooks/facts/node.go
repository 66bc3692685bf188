package facts

import (
	"strconv"
	"strings"
)

// Label keys the index reads (SPEC §1.1, §1.2).
const (
	LabelPrefix           = "nvidia.com/"
	LabelGPUPresent       = "nvidia.com/gpu.present"
	LabelGPUProduct       = "nvidia.com/gpu.product"
	LabelGPUMemory        = "nvidia.com/gpu.memory"
	LabelGPUFamily        = "nvidia.com/gpu.family"
	LabelComputeMajor     = "nvidia.com/gpu.compute.major"
	LabelComputeMinor     = "nvidia.com/gpu.compute.minor"
	LabelCUDAMajor        = "nvidia.com/cuda.runtime-version.major"
	LabelCUDAMinor        = "nvidia.com/cuda.runtime-version.minor"
	LabelMIGCapable       = "nvidia.com/mig.capable"
	LabelMIGStrategy      = "nvidia.com/mig.strategy"
	LabelDeployPrefix     = "nvidia.com/gpu.deploy."
	AnnotationPrefix      = "gpuguard.io/"
	AnnotationMIGProfiles = "gpuguard.io/mig-profiles"
	// AnnotationPCIDeviceIDs lists the PCI device IDs of the node's GPUs as
	// the labeler reads them from NVML (PciInfo.PciDeviceId, written as
	// mig-parted writes device filters: "0x20B010DE"), comma-separated,
	// sorted and unique. MIG configs resolve their device-filter entries
	// against it; compare case-insensitively.
	AnnotationPCIDeviceIDs = "gpuguard.io/pci-device-ids"
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
