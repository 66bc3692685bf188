package labeler

import (
	"fmt"

	"github.com/gpuguard/gpuguard/labeler/device"
)

// archLabels are gpu.family and gpu.compute.* of a GPU, part of its
// model's full-GPU labels as in GFD's newArchitectureLabels
// (NVIDIA/k8s-device-plugin internal/lm/resource.go); none when the compute
// capability is unknown (major 0).
func archLabels(g device.GPU) Labels {
	if g.ComputeMajor == 0 {
		return Labels{}
	}
	return Labels{
		gpuResource + ".family":        family(g.ComputeMajor, g.ComputeMinor),
		gpuResource + ".compute.major": fmt.Sprint(g.ComputeMajor),
		gpuResource + ".compute.minor": fmt.Sprint(g.ComputeMinor),
	}
}

// family names the architecture of a compute capability, as GFD writes it
// in nvidia.com/gpu.family.
func family(major, minor int) string {
	switch major {
	case 3:
		return "kepler"
	case 5:
		return "maxwell"
	case 6:
		return "pascal"
	case 7:
		if minor < 5 {
			return "volta"
		}
		return "turing"
	case 8:
		if minor == 9 {
			return "ada-lovelace"
		}
		return "ampere"
	case 9:
		return "hopper"
	case 10, 12:
		return "blackwell"
	case 13:
		return "rubin"
	}
	return "undefined"
}
