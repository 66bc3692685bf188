package labeler

import (
	"fmt"
	"strings"

	"github.com/gpuguard/gpuguard/labeler/device"
)

// cudaLabeler writes the driver and CUDA version labels, under both GFD's
// current and its deprecated names (selectors in the wild use both).
type cudaLabeler struct{ snap *device.Snapshot }

func (c cudaLabeler) Labels() (Labels, error) {
	parts := strings.Split(c.snap.DriverVersion, ".")
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return nil, fmt.Errorf("unexpected driver version %q from NVML: want <major>.<minor>[.<revision>]", c.snap.DriverVersion)
	}
	l := Labels{
		"nvidia.com/cuda.driver-version.full":  c.snap.DriverVersion,
		"nvidia.com/cuda.driver-version.major": parts[0],
		"nvidia.com/cuda.driver-version.minor": parts[1],
		"nvidia.com/cuda.driver.major":         parts[0],
		"nvidia.com/cuda.driver.minor":         parts[1],
	}
	if len(parts) > 2 {
		// Kept as written: "04" stays "04", as GFD does.
		l["nvidia.com/cuda.driver-version.revision"] = parts[2]
		l["nvidia.com/cuda.driver.rev"] = parts[2]
	}
	v := c.snap.CUDADriverVersion
	major, minor := fmt.Sprint(v/1000), fmt.Sprint(v%1000/10)
	l["nvidia.com/cuda.runtime-version.major"] = major
	l["nvidia.com/cuda.runtime-version.minor"] = minor
	l["nvidia.com/cuda.runtime-version.full"] = major + "." + minor
	l["nvidia.com/cuda.runtime.major"] = major
	l["nvidia.com/cuda.runtime.minor"] = minor
	return l, nil
}
