package device

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	nvml "github.com/NVIDIA/go-nvml/pkg/nvml"
)

// NVML reads facts through go-nvml: the real library (nvml.New()) or one of
// go-nvml's mock servers.
type NVML struct {
	Lib nvml.Interface
	// PCIClass returns a GPU's PCI class from its bus ID. Default: read
	// /sys/bus/pci/devices/<bus id>/class.
	PCIClass func(busID string) (uint32, error)
}

var _ Reader = (*NVML)(nil)

// ReturnError is an NVML call that failed.
type ReturnError struct {
	Call string
	Ret  nvml.Return
}

func (e *ReturnError) Error() string {
	return fmt.Sprintf("NVML %s: %s", e.Call, nvml.ErrorString(e.Ret))
}

func check(call string, ret nvml.Return) error {
	if ret == nvml.SUCCESS {
		return nil
	}
	return &ReturnError{Call: call, Ret: ret}
}

// Read initialises NVML, snapshots every GPU and shuts NVML down.
func (r *NVML) Read() (snap *Snapshot, err error) {
	ret := r.Lib.Init()
	if ret == nvml.ERROR_LIBRARY_NOT_FOUND {
		return nil, ErrNoLibrary
	}
	if err := check("Init", ret); err != nil {
		return nil, err
	}
	defer func() {
		if err2 := check("Shutdown", r.Lib.Shutdown()); err2 != nil && err == nil {
			err = err2
		}
	}()
	snap = &Snapshot{}
	if snap.DriverVersion, ret = r.Lib.SystemGetDriverVersion(); ret != nvml.SUCCESS {
		return nil, check("SystemGetDriverVersion", ret)
	}
	if snap.CUDADriverVersion, ret = r.Lib.SystemGetCudaDriverVersion(); ret != nvml.SUCCESS {
		return nil, check("SystemGetCudaDriverVersion", ret)
	}
	count, ret := r.Lib.DeviceGetCount()
	if err := check("DeviceGetCount", ret); err != nil {
		return nil, err
	}
	for i := range count {
		dev, ret := r.Lib.DeviceGetHandleByIndex(i)
		if err := check(fmt.Sprintf("DeviceGetHandleByIndex(%d)", i), ret); err != nil {
			return nil, err
		}
		gpu, err := r.readGPU(i, dev)
		if err != nil {
			return nil, fmt.Errorf("GPU %d: %w", i, err)
		}
		snap.GPUs = append(snap.GPUs, gpu)
	}
	return snap, nil
}

func (r *NVML) readGPU(index int, dev nvml.Device) (GPU, error) {
	g := GPU{Index: index}
	var ret nvml.Return
	if g.UUID, ret = dev.GetUUID(); ret != nvml.SUCCESS {
		return g, check("GetUUID", ret)
	}
	if g.Name, ret = dev.GetName(); ret != nvml.SUCCESS {
		return g, check("GetName", ret)
	}
	mem, ret := dev.GetMemoryInfo()
	if err := check("GetMemoryInfo", ret); err != nil {
		return g, err
	}
	g.MemoryMiB = mem.Total / (1024 * 1024)
	if g.ComputeMajor, g.ComputeMinor, ret = dev.GetCudaComputeCapability(); ret != nvml.SUCCESS {
		return g, check("GetCudaComputeCapability", ret)
	}
	// The remaining facts are optional: a GPU that cannot answer them is
	// still a GPU, labelled "unknown" or "false" where they would go.
	if pci, ret := dev.GetPciInfo(); ret == nvml.SUCCESS {
		g.PCIDeviceID = pci.PciDeviceId
		g.PCIBusID = sysfsBusID(pci.BusId)
		if g.PCIBusID != "" {
			g.PCIClass, _ = r.pciClass(g.PCIBusID)
		}
	}
	if mode, ret := dev.GetVirtualizationMode(); ret == nvml.SUCCESS {
		g.VGPU = mode == nvml.GPU_VIRTUALIZATION_MODE_VGPU || mode == nvml.GPU_VIRTUALIZATION_MODE_HOST_VGPU
	}
	current, _, ret := dev.GetMigMode()
	g.MIGCapable = ret != nvml.ERROR_NOT_SUPPORTED
	g.MIGEnabled = ret == nvml.SUCCESS && current == nvml.DEVICE_MIG_ENABLE
	if g.MIGCapable {
		if err := r.readMIG(&g, dev); err != nil {
			return g, err
		}
	}
	return g, nil
}

// readMIG lists the GPU instance profiles the GPU supports and, with MIG
// on, every compute instance as a MIG device. Walking GPU and compute
// instances (rather than MIG device handles) gives the same attributes and
// works on go-nvml's mock servers too.
func (r *NVML) readMIG(g *GPU, dev nvml.Device) error {
	for p := range nvml.GPU_INSTANCE_PROFILE_COUNT {
		info, ret := dev.GetGpuInstanceProfileInfo(p)
		if ret != nvml.SUCCESS {
			continue // not offered by this GPU model (or MIG off on some drivers)
		}
		name := giProfileName(p, info.SliceCount, g.MemoryMiB, info.MemorySizeMB)
		g.MIGProfiles = append(g.MIGProfiles, name)
		if !g.MIGEnabled {
			continue
		}
		gis, ret := dev.GetGpuInstances(&info)
		if err := check("GetGpuInstances", ret); err != nil {
			return err
		}
		for _, gi := range gis {
			devs, err := readComputeInstances(gi, name, info)
			if err != nil {
				return err
			}
			g.MIGDevices = append(g.MIGDevices, devs...)
		}
	}
	slices.Sort(g.MIGProfiles)
	g.MIGProfiles = slices.Compact(g.MIGProfiles)
	slices.SortStableFunc(g.MIGDevices, func(a, b MIGDevice) int { return strings.Compare(a.Profile, b.Profile) })
	return nil
}

func readComputeInstances(gi nvml.GpuInstance, giName string, giInfo nvml.GpuInstanceProfileInfo) ([]MIGDevice, error) {
	var out []MIGDevice
	for p := range nvml.COMPUTE_INSTANCE_PROFILE_COUNT {
		ci, ret := gi.GetComputeInstanceProfileInfo(p, nvml.COMPUTE_INSTANCE_ENGINE_PROFILE_SHARED)
		if ret != nvml.SUCCESS {
			continue
		}
		cis, ret := gi.GetComputeInstances(&ci)
		if err := check("GetComputeInstances", ret); err != nil {
			return nil, err
		}
		for range cis {
			out = append(out, MIGDevice{
				Profile:         migDeviceProfile(giName, giInfo.SliceCount, ci.SliceCount),
				MemoryMiB:       giInfo.MemorySizeMB,
				Multiprocessors: ci.MultiprocessorCount,
				GISlices:        giInfo.SliceCount,
				CISlices:        ci.SliceCount,
				CopyEngines:     ci.SharedCopyEngineCount,
				Decoders:        ci.SharedDecoderCount,
				Encoders:        ci.SharedEncoderCount,
				JPEGs:           ci.SharedJpegCount,
				OFAs:            ci.SharedOfaCount,
			})
		}
	}
	return out, nil
}

// sysfsBusID turns NVML's "00000000:18:00.0" into sysfs's "0000:18:00.0".
func sysfsBusID(raw [32]int8) string {
	b := make([]byte, 0, len(raw))
	for _, c := range raw {
		if c == 0 {
			break
		}
		b = append(b, byte(c))
	}
	id := strings.ToLower(string(b))
	if domain, rest, ok := strings.Cut(id, ":"); ok && len(domain) == 8 {
		id = domain[4:] + ":" + rest
	}
	return id
}

func (r *NVML) pciClass(busID string) (uint32, error) {
	if r.PCIClass != nil {
		return r.PCIClass(busID)
	}
	return SysfsPCIClass("/sys")(busID)
}

// SysfsPCIClass reads PCI classes under the given sysfs root.
func SysfsPCIClass(root string) func(busID string) (uint32, error) {
	return func(busID string) (uint32, error) {
		raw, err := os.ReadFile(filepath.Join(root, "bus", "pci", "devices", busID, "class"))
		if err != nil {
			return 0, fmt.Errorf("reading PCI class: %w", err)
		}
		v, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(string(raw)), "0x"), 16, 32)
		if err != nil {
			return 0, fmt.Errorf("parsing PCI class %q: %w", raw, err)
		}
		return uint32(v), nil
	}
}
