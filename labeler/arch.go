package labeler

import (
	"fmt"

	"github.com/gpuguard/gpuguard/labeler/device"
)

// archLabeler writes gpu.family and gpu.compute.* from the compute
// capability of the first GPU: like GFD, one node is described by one GPU
// model (docs/labels.md, "heterogeneous nodes").
type archLabeler struct{ gpu device.GPU }

func (a archLabeler) Labels() (Labels, error) {
	if a.gpu.ComputeMajor == 0 {
		return Labels{}, nil
	}
	return Labels{
		"nvidia.com/gpu.family":        family(a.gpu.ComputeMajor, a.gpu.ComputeMinor),
		"nvidia.com/gpu.compute.major": fmt.Sprint(a.gpu.ComputeMajor),
		"nvidia.com/gpu.compute.minor": fmt.Sprint(a.gpu.ComputeMinor),
	}, nil
}

// family names the architecture of a compute capability (SPEC §1.1).
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
