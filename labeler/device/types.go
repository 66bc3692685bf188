package device

import "errors"

// ErrNoLibrary means NVML is not installed: a node without NVIDIA GPUs or
// driver. It is not a failure; the node simply has no GPU facts.
var ErrNoLibrary = errors.New("NVML library not found (no NVIDIA driver on this node)")

// Reader reads a snapshot of the node's GPUs.
type Reader interface {
	// Read initialises NVML, takes a snapshot and shuts NVML down again.
	Read() (*Snapshot, error)
}

// Snapshot is everything the labels are made from, read in one go.
type Snapshot struct {
	// DriverVersion is SystemGetDriverVersion, e.g. "580.159.04".
	DriverVersion string
	// CUDADriverVersion is SystemGetCudaDriverVersion, e.g. 13000.
	CUDADriverVersion int
	GPUs              []GPU
}

// GPU is one full GPU.
type GPU struct {
	Index int
	UUID  string
	// Name is GetName, e.g. "NVIDIA H100 80GB HBM3".
	Name string
	// MemoryMiB is GetMemoryInfo().Total / 1 MiB.
	MemoryMiB    uint64
	ComputeMajor int
	ComputeMinor int
	// PCIBusID is the sysfs form, e.g. "0000:18:00.0"; "" when unknown.
	PCIBusID string
	// PCIDeviceID is PciInfo.PciDeviceId: device ID in the high 16 bits,
	// vendor ID (0x10DE) in the low 16, e.g. 0x233010DE; 0 when unknown.
	PCIDeviceID uint32
	// PCIClass is the sysfs class, e.g. 0x030200; 0 when unknown.
	PCIClass uint32
	// VGPU is true when the GPU is a vGPU or a vGPU host.
	VGPU bool
	// MIGCapable is true unless GetMigMode answered NOT_SUPPORTED.
	MIGCapable bool
	// MIGEnabled is the current MIG mode.
	MIGEnabled bool
	// MIGProfiles are the GPU instance profiles the GPU supports, named as
	// the MIG manager names them (e.g. "1g.10gb", "1g.10gb.me").
	MIGProfiles []string
	// MIGDevices are the MIG devices (compute instances) present.
	MIGDevices []MIGDevice
}

// MIGDevice is one MIG device: a compute instance in a GPU instance.
type MIGDevice struct {
	// Profile is e.g. "1g.10gb" or, for a compute instance smaller than
	// its GPU instance, "1c.3g.40gb".
	Profile         string
	MemoryMiB       uint64
	Multiprocessors uint32
	GISlices        uint32
	CISlices        uint32
	CopyEngines     uint32
	Decoders        uint32
	Encoders        uint32
	JPEGs           uint32
	OFAs            uint32
}
