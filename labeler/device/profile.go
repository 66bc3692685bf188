package device

import (
	"fmt"
	"math"

	nvml "github.com/NVIDIA/go-nvml/pkg/nvml"
)

// profileSuffix maps GPU instance profile IDs that are variants of a slice
// count to the suffix NVIDIA's tools write ("+me" appears as ".me" because
// "+" is not allowed in label keys and resource names).
var profileSuffix = map[int]string{
	nvml.GPU_INSTANCE_PROFILE_1_SLICE_REV1:   ".me",
	nvml.GPU_INSTANCE_PROFILE_2_SLICE_REV1:   ".me",
	nvml.GPU_INSTANCE_PROFILE_1_SLICE_GFX:    ".gfx",
	nvml.GPU_INSTANCE_PROFILE_2_SLICE_GFX:    ".gfx",
	nvml.GPU_INSTANCE_PROFILE_3_SLICE_GFX:    ".gfx",
	nvml.GPU_INSTANCE_PROFILE_4_SLICE_GFX:    ".gfx",
	nvml.GPU_INSTANCE_PROFILE_1_SLICE_NO_ME:  "-me",
	nvml.GPU_INSTANCE_PROFILE_2_SLICE_NO_ME:  "-me",
	nvml.GPU_INSTANCE_PROFILE_1_SLICE_ALL_ME: ".me.all",
	nvml.GPU_INSTANCE_PROFILE_2_SLICE_ALL_ME: ".me.all",
}

// memoryEighths is the granularity of MIG memory: a GPU instance owns a
// whole number of eighths of the GPU's memory, so its size in GB is named
// after the eighths it covers, not after its slightly smaller usable size.
const memoryEighths = 8

// eighthSlack is how far past a whole eighth an instance's memory may reach
// and still count as that eighth: the driver accounts a little memory on top
// on some GPUs (a B200 1g instance is 1.02 eighths and is named 1g.23gb).
const eighthSlack = 0.05

// migMemoryGB names a GPU instance's memory the way NVIDIA's profile names
// do: 4864 MiB of a 40960 MiB A100 is one eighth of 40 GB, "5gb".
func migMemoryGB(gpuMiB, instanceMiB uint64) uint64 {
	if gpuMiB == 0 {
		return 0
	}
	eighths := float64(instanceMiB) / float64(gpuMiB) * memoryEighths
	whole := math.Floor(eighths)
	if eighths-whole > eighthSlack || whole == 0 {
		whole++
	}
	gpuGB := float64((gpuMiB + 1023) / 1024)
	return uint64(math.Round(whole / memoryEighths * gpuGB))
}

// giProfileName names a GPU instance profile, e.g. "3g.40gb" or "1g.10gb.me".
func giProfileName(profileID int, slices uint32, gpuMiB, instanceMiB uint64) string {
	return fmt.Sprintf("%dg.%dgb%s", slices, migMemoryGB(gpuMiB, instanceMiB), profileSuffix[profileID])
}

// migDeviceProfile names a MIG device: the GPU instance's profile, prefixed
// with "<n>c." when the compute instance uses only part of it.
func migDeviceProfile(giName string, giSlices, ciSlices uint32) string {
	if ciSlices < giSlices {
		return fmt.Sprintf("%dc.%s", ciSlices, giName)
	}
	return giName
}
