package harness

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/gpuguard/gpuguard/labeler/device"
)

// Node capacity besides GPUs: what the kubelet of a large GPU server reports
// (kwok keeps a Node's own capacity and allocatable; see node-initialize.yaml
// in kubernetes-sigs/kwok kustomize/stage/node/fast).
var nodeBase = corev1.ResourceList{
	corev1.ResourceCPU:    resource.MustParse("64"),
	corev1.ResourceMemory: resource.MustParse("512Gi"),
	corev1.ResourcePods:   resource.MustParse("110"),
}

// DevicePluginResources is what the NVIDIA device plugin advertises for a
// node's GPUs under a MIG strategy, as NVIDIA/k8s-device-plugin builds its
// device map (internal/rm/device_map.go): with
// strategy none every GPU is one nvidia.com/gpu, MIG mode or not; otherwise a
// MIG-enabled GPU is not offered whole, and each of its MIG devices is one
// nvidia.com/gpu (single) or one nvidia.com/mig-<profile> (mixed).
func DevicePluginResources(snap *device.Snapshot, strategy string) corev1.ResourceList {
	counts := map[corev1.ResourceName]int{}
	for _, g := range snap.GPUs {
		if !g.MIGEnabled || strategy == "none" || strategy == "" {
			counts["nvidia.com/gpu"]++
			continue
		}
		for _, d := range g.MIGDevices {
			name := corev1.ResourceName("nvidia.com/gpu")
			if strategy == "mixed" {
				name = corev1.ResourceName("nvidia.com/mig-" + d.Profile)
			}
			counts[name]++
		}
	}
	out := corev1.ResourceList{}
	for name, n := range counts {
		out[name] = resource.MustParse(strconv.Itoa(n))
	}
	return out
}

// nodeResources is a node's capacity: the base plus its GPU resources.
func nodeResources(gpus corev1.ResourceList) corev1.ResourceList {
	out := nodeBase.DeepCopy()
	for k, v := range gpus {
		out[k] = v
	}
	return out
}
