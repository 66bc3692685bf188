package device

import (
	"os"
	"path/filepath"
	"testing"

	nvml "github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadSimulatedMachines(t *testing.T) {
	tests := map[string]struct {
		name     string
		memory   uint64
		cc       [2]int
		profiles []string
	}{
		"dgxa100": {"Mock NVIDIA A100-SXM4-40GB", 40960, [2]int{8, 0}, []string{"1g.10gb", "1g.5gb", "1g.5gb.me", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb"}},
		"dgxh100": {"NVIDIA H100 80GB HBM3", 81920, [2]int{9, 0}, []string{"1g.10gb", "1g.10gb.me", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"}},
		"dgxh200": {"NVIDIA H200 141GB HBM3e", 144384, [2]int{9, 0}, []string{"1g.18gb", "1g.18gb.me", "1g.35gb", "2g.35gb", "3g.71gb", "4g.71gb", "7g.141gb"}},
		"dgxb200": {"NVIDIA B200 180GB HBM3e", 184320, [2]int{10, 0}, []string{"1g.23gb", "1g.23gb.me", "1g.45gb", "2g.45gb", "3g.90gb", "4g.90gb", "7g.180gb"}},
	}
	for machine, tc := range tests {
		t.Run(machine, func(t *testing.T) {
			sim, err := Simulate(machine)
			require.NoError(t, err)
			snap, err := sim.Reader().Read()
			require.NoError(t, err)
			require.Len(t, snap.GPUs, 8)
			assert.Equal(t, sim.Server.DriverVersion, snap.DriverVersion)
			assert.Equal(t, sim.Server.CudaDriverVersion, snap.CUDADriverVersion)
			g := snap.GPUs[3]
			assert.Equal(t, 3, g.Index)
			assert.Equal(t, tc.name, g.Name)
			assert.Equal(t, tc.memory, g.MemoryMiB)
			assert.Equal(t, tc.cc[0], g.ComputeMajor)
			assert.Equal(t, tc.cc[1], g.ComputeMinor)
			assert.Equal(t, "0000:1b:00.0", g.PCIBusID)
			assert.Equal(t, uint32(pciClassCompute), g.PCIClass)
			assert.True(t, g.MIGCapable)
			assert.False(t, g.MIGEnabled)
			assert.Empty(t, g.MIGDevices)
			assert.Equal(t, tc.profiles, g.MIGProfiles)
		})
	}
}

func TestSimulateMIG(t *testing.T) {
	tests := map[string]struct {
		spec    string
		perGPU  int
		profile string
		memory  uint64
		sms     uint32
	}{
		"a100 1g.5gb fills 7":  {"dgxa100,mig=1g.5gb", 7, "1g.5gb", 4864, 14},
		"a100 3g.20gb fills 2": {"dgxa100,mig=3g.20gb", 2, "3g.20gb", 19968, 42},
		"h100 7g.80gb fills 1": {"dgxh100,mig=7g.80gb", 1, "7g.80gb", 81920, 112},
		"b200 1g.23gb fills 7": {"dgxb200,mig=1g.23gb", 7, "1g.23gb", 23552, 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			sim, err := Simulate(tc.spec)
			require.NoError(t, err)
			snap, err := sim.Reader().Read()
			require.NoError(t, err)
			for _, g := range snap.GPUs {
				assert.True(t, g.MIGEnabled)
				require.Len(t, g.MIGDevices, tc.perGPU)
				d := g.MIGDevices[0]
				assert.Equal(t, tc.profile, d.Profile)
				assert.Equal(t, tc.memory, d.MemoryMiB)
				if tc.sms != 0 {
					assert.Equal(t, tc.sms, d.Multiprocessors)
				}
				assert.Equal(t, d.GISlices, d.CISlices)
			}
		})
	}
}

func TestSimulateErrors(t *testing.T) {
	for name, spec := range map[string]string{
		"unknown machine": "dgx1",
		"unknown option":  "dgxh100,foo=1",
		"unknown profile": "dgxa100,mig=1g.10gb.gfx",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Simulate(spec)
			require.ErrorIs(t, err, ErrBadSimulation)
		})
	}
	_, err := Simulate("dgxa100,mig=9g.1gb")
	assert.ErrorContains(t, err, "it offers 1g.10gb, 1g.5gb, 1g.5gb.me, 2g.10gb, 3g.20gb, 4g.20gb, 7g.40gb")
}

func TestReadFailures(t *testing.T) {
	t.Run("no library is not an error of the node", func(t *testing.T) {
		sim, _ := Simulate("dgxh100")
		sim.Server.InitFunc = func() nvml.Return { return nvml.ERROR_LIBRARY_NOT_FOUND }
		_, err := sim.Reader().Read()
		assert.ErrorIs(t, err, ErrNoLibrary)
	})
	t.Run("driver not loaded", func(t *testing.T) {
		sim, _ := Simulate("dgxh100")
		sim.Server.InitFunc = func() nvml.Return { return nvml.ERROR_DRIVER_NOT_LOADED }
		_, err := sim.Reader().Read()
		var rerr *ReturnError
		require.ErrorAs(t, err, &rerr)
		assert.Equal(t, "Init", rerr.Call)
		assert.NotErrorIs(t, err, ErrNoLibrary)
	})
	t.Run("a GPU that stops answering", func(t *testing.T) {
		sim, _ := Simulate("dgxh100")
		sim.Server.DeviceGetHandleByIndexFunc = func(i int) (nvml.Device, nvml.Return) {
			if i == 5 {
				return nil, nvml.ERROR_GPU_IS_LOST
			}
			return sim.Server.Devices[i], nvml.SUCCESS
		}
		_, err := sim.Reader().Read()
		assert.ErrorContains(t, err, "DeviceGetHandleByIndex(5)")
	})
	t.Run("MIG not supported", func(t *testing.T) {
		sim, _ := Simulate("dgxh100")
		for _, d := range sim.Server.Devices {
			d.(*server.Device).GetMigModeFunc = func() (int, int, nvml.Return) { return 0, 0, nvml.ERROR_NOT_SUPPORTED }
		}
		snap, err := sim.Reader().Read()
		require.NoError(t, err)
		assert.False(t, snap.GPUs[0].MIGCapable)
		assert.Empty(t, snap.GPUs[0].MIGProfiles)
	})
}

func TestSysfsPCIClass(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "bus", "pci", "devices", "0000:18:00.0")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "class"), []byte("0x030000\n"), 0o600))
	c, err := SysfsPCIClass(root)("0000:18:00.0")
	require.NoError(t, err)
	assert.Equal(t, uint32(0x030000), c)
	_, err = SysfsPCIClass(root)("0000:19:00.0")
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestSysfsBusID(t *testing.T) {
	var raw [32]int8
	for i, c := range "00000000:1A:00.0" {
		raw[i] = int8(c)
	}
	assert.Equal(t, "0000:1a:00.0", sysfsBusID(raw))
}

func TestMIGMemoryNames(t *testing.T) {
	tests := map[string]struct {
		gpu, inst uint64
		want      uint64
	}{
		"a100-40 1g":        {40960, 4864, 5},
		"a100-40 7g":        {40960, 40192, 40},
		"real h100 1g":      {81559, 9984, 10},
		"real h100 7g":      {81559, 81152, 80},
		"b200 1g just over": {184320, 23552, 23},
		"b200 2g":           {184320, 46080, 45},
		"zero gpu memory":   {0, 100, 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, migMemoryGB(tc.gpu, tc.inst))
		})
	}
}
