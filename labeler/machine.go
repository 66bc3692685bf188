package labeler

import (
	"fmt"

	"github.com/gpuguard/gpuguard/labeler/device"
)

// PCI classes of NVIDIA GPUs (class and subclass, without prog-if).
const (
	pciClassVGA = 0x0300
	pci3D       = 0x0302
)

// machineLabeler writes the node-wide facts: machine type, GPU presence,
// mode, MIG/MPS capability, vGPU and, when asked for, the timestamp.
type machineLabeler struct {
	snap        *device.Snapshot
	machineType string
	strategy    string
	timestamp   int64
}

func (m machineLabeler) Labels() (Labels, error) {
	machine := sanitizeName(m.machineType)
	if machine == "" {
		machine = "unknown"
	}
	l := Labels{
		"nvidia.com/gpu.machine":  machine,
		"nvidia.com/gpu.present":  "true",
		"nvidia.com/mps.capable":  "false",
		"nvidia.com/mig.capable":  "false",
		"nvidia.com/vgpu.present": "false",
		"nvidia.com/gpu.mode":     gpuMode(m.snap.GPUs[0].PCIClass),
	}
	for _, g := range m.snap.GPUs {
		if g.MIGCapable {
			l["nvidia.com/mig.capable"] = "true"
		}
		if g.VGPU {
			l["nvidia.com/vgpu.present"] = "true"
		}
	}
	if m.strategy == "single" || m.strategy == "mixed" {
		l["nvidia.com/mig.strategy"] = m.strategy
	}
	if m.timestamp != 0 {
		l["nvidia.com/gfd.timestamp"] = fmt.Sprint(m.timestamp)
	}
	return l, nil
}

func gpuMode(class uint32) string {
	switch class >> 8 {
	case pciClassVGA:
		return "graphics"
	case pci3D:
		return "compute"
	}
	return "unknown"
}
