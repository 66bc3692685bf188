package device

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	nvml "github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxa100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxb200"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxh100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxh200"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"
)

// ErrBadSimulation is returned for a --simulate value that cannot be built.
var ErrBadSimulation = errors.New("invalid --simulate value")

// pciClassCompute is what data-centre GPUs report: a 3D controller.
const pciClassCompute = 0x030200

// Machines are the mock servers --simulate accepts.
var Machines = map[string]func() *server.Server{
	"dgxa100": dgxa100.New,
	"dgxh100": dgxh100.New,
	"dgxh200": dgxh200.New,
	"dgxb200": dgxb200.New,
}

// Simulation is a go-nvml mock server whose MIG layout can change while a
// labeler reads it, as a MIG manager would change a real one.
type Simulation struct {
	Server *server.Server
}

// Simulate builds a mock server from "<machine>[,mig=<profile>]", e.g.
// "dgxa100,mig=1g.5gb": every GPU in MIG mode, filled with as many
// instances of that profile as fit.
func Simulate(spec string) (*Simulation, error) {
	machine, opt, hasOpt := strings.Cut(spec, ",")
	build, ok := Machines[machine]
	if !ok {
		return nil, fmt.Errorf("%w %q: unknown machine %q; use one of dgxa100, dgxh100, dgxh200, dgxb200", ErrBadSimulation, spec, machine)
	}
	s := NewSimulation(build())
	if !hasOpt {
		return s, nil
	}
	profile, ok := strings.CutPrefix(opt, "mig=")
	if !ok {
		return nil, fmt.Errorf("%w %q: the only option is mig=<profile>, e.g. %s,mig=1g.10gb", ErrBadSimulation, spec, machine)
	}
	if err := s.SetMIG(profile); err != nil {
		return nil, err
	}
	return s, nil
}

// NewSimulation wraps any go-nvml mock server, e.g. one of mixed GPUs built
// with server.NewServerWithGPUs.
func NewSimulation(srv *server.Server) *Simulation {
	s := &Simulation{Server: srv}
	s.completeMock()
	return s
}

// Reader returns an NVML reader over the simulation.
func (s *Simulation) Reader() *NVML {
	return &NVML{Lib: s.Server, PCIClass: func(string) (uint32, error) { return pciClassCompute, nil }}
}

// completeMock fills in the calls the labeler makes that go-nvml's mock
// servers leave unset (an unset mock call panics).
func (s *Simulation) completeMock() {
	for i, d := range s.Server.Devices {
		dev := d.(*server.Device)
		busID := fmt.Sprintf("00000000:%02X:00.0", 0x18+i)
		deviceID := dev.Config.PciDeviceId
		dev.GetPciInfoFunc = func() (nvml.PciInfo, nvml.Return) {
			p := nvml.PciInfo{PciDeviceId: deviceID}
			for j := range busID {
				p.BusId[j] = int8(busID[j])
			}
			return p, nvml.SUCCESS
		}
		dev.GetVirtualizationModeFunc = func() (nvml.GpuVirtualizationMode, nvml.Return) {
			return nvml.GPU_VIRTUALIZATION_MODE_NONE, nvml.SUCCESS
		}
	}
}

// SetMIG repartitions every GPU: "" turns MIG off; a profile name turns it
// on and fills each GPU with as many instances of that profile as fit.
func (s *Simulation) SetMIG(profile string) error {
	for i := range s.Server.Devices {
		if err := s.SetGPUMIG(i, profile != "", profile); err != nil {
			return err
		}
	}
	return nil
}

// SetGPUMIG repartitions one GPU: MIG on or off and, when on and profile is
// not "", filled with that profile. MIG on with no profile leaves the GPU
// without MIG devices, as right after a mode change.
func (s *Simulation) SetGPUMIG(index int, enabled bool, profile string) error {
	if index < 0 || index >= len(s.Server.Devices) {
		return fmt.Errorf("%w: no GPU %d", ErrBadSimulation, index)
	}
	dev := s.Server.Devices[index].(*server.Device)
	for gi := range dev.GpuInstances {
		gi.Lock()
		clear(gi.ComputeInstances)
		gi.Unlock()
		if ret := gi.Destroy(); ret != nvml.SUCCESS {
			return check("GpuInstance.Destroy", ret)
		}
	}
	mode := nvml.DEVICE_MIG_DISABLE
	if enabled {
		mode = nvml.DEVICE_MIG_ENABLE
	}
	if ret, _ := dev.SetMigMode(mode); ret != nvml.SUCCESS {
		return check("SetMigMode", ret)
	}
	if !enabled || profile == "" {
		return nil
	}
	return fill(dev, profile)
}

func fill(dev *server.Device, profile string) error {
	gpuMiB := dev.Config.MemoryMB
	var known []string
	for id, info := range dev.Config.MIGProfiles.GpuInstanceProfiles {
		name := giProfileName(id, info.SliceCount, gpuMiB, info.MemorySizeMB)
		known = append(known, name)
		if name != profile {
			continue
		}
		for range info.InstanceCount {
			gi, ret := dev.CreateGpuInstance(&info)
			if err := check("CreateGpuInstance", ret); err != nil {
				return err
			}
			for ciID, ci := range dev.Config.MIGProfiles.ComputeInstanceProfiles[id] {
				if ci.SliceCount != info.SliceCount {
					continue
				}
				ci.Id = uint32(ciID)
				if _, ret := gi.CreateComputeInstance(&ci); ret != nvml.SUCCESS {
					return check("CreateComputeInstance", ret)
				}
				break
			}
		}
		return nil
	}
	slices.Sort(known)
	return fmt.Errorf("%w: %s does not offer MIG profile %q (it offers %s)", ErrBadSimulation, dev.Config.Name, profile, strings.Join(slices.Compact(known), ", "))
}
