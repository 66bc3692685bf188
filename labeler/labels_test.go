package labeler

import (
	"strings"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/gpus"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gpuguard/gpuguard/config/vocab"
	"github.com/gpuguard/gpuguard/labeler/device"
)

func compute(t *testing.T, sim *device.Simulation, strategy string) *Facts {
	t.Helper()
	snap, err := sim.Reader().Read()
	require.NoError(t, err)
	f, err := Compute(snap, Options{MIGStrategy: strategy, MachineType: "DGX H100\n"})
	require.NoError(t, err)
	return f
}

func simulate(t *testing.T, spec string) *device.Simulation {
	t.Helper()
	sim, err := device.Simulate(spec)
	require.NoError(t, err)
	return sim
}

// The complete label set of a DGX H100 under strategy none, as GFD writes it.
func TestH100None(t *testing.T) {
	f := compute(t, simulate(t, "dgxh100"), "none")
	assert.Equal(t, Labels{
		"nvidia.com/cuda.driver-version.full":     "550.54.15",
		"nvidia.com/cuda.driver-version.major":    "550",
		"nvidia.com/cuda.driver-version.minor":    "54",
		"nvidia.com/cuda.driver-version.revision": "15",
		"nvidia.com/cuda.driver.major":            "550",
		"nvidia.com/cuda.driver.minor":            "54",
		"nvidia.com/cuda.driver.rev":              "15",
		"nvidia.com/cuda.runtime-version.full":    "12.4",
		"nvidia.com/cuda.runtime-version.major":   "12",
		"nvidia.com/cuda.runtime-version.minor":   "4",
		"nvidia.com/cuda.runtime.major":           "12",
		"nvidia.com/cuda.runtime.minor":           "4",
		"nvidia.com/gpu.compute.major":            "9",
		"nvidia.com/gpu.compute.minor":            "0",
		"nvidia.com/gpu.count":                    "8",
		"nvidia.com/gpu.family":                   "hopper",
		"nvidia.com/gpu.machine":                  "DGX-H100",
		"nvidia.com/gpu.memory":                   "81920",
		"nvidia.com/gpu.mode":                     "compute",
		"nvidia.com/gpu.present":                  "true",
		"nvidia.com/gpu.product":                  "NVIDIA-H100-80GB-HBM3",
		"nvidia.com/gpu.replicas":                 "1",
		"nvidia.com/gpu.sharing-strategy":         "none",
		"nvidia.com/mig.capable":                  "true",
		"nvidia.com/mps.capable":                  "false",
		"nvidia.com/vgpu.present":                 "false",
	}, f.Labels)
	assert.Equal(t, map[string]string{
		vocab.AnnotationMIGProfiles: "1g.10gb,1g.10gb.me,1g.20gb,2g.20gb,3g.40gb,4g.40gb,7g.80gb",
		// go-nvml's H100 mock: device 0x2330, vendor 0x10DE.
		vocab.AnnotationPCIDeviceIDs: "0x233010DE",
	}, f.Annotations)
	assert.Len(t, f.Deploy, len(vocab.DefaultDeployComponents(true)), "the defaults plus mig-manager on a MIG-capable node")
	assert.Equal(t, "true", f.Deploy["nvidia.com/gpu.deploy.mig-manager"])
	assert.Empty(t, f.SingleInvalid)
}

func TestFamiliesPerMachine(t *testing.T) {
	tests := map[string]struct{ product, family, cc, memory, driver string }{
		"dgxa100": {"Mock-NVIDIA-A100-SXM4-40GB", "ampere", "8", "40960", "550.54.15"},
		"dgxh100": {"NVIDIA-H100-80GB-HBM3", "hopper", "9", "81920", "550.54.15"},
		"dgxh200": {"NVIDIA-H200-141GB-HBM3e", "hopper", "9", "144384", "550.54.15"},
		"dgxb200": {"NVIDIA-B200-180GB-HBM3e", "blackwell", "10", "184320", "560.28.03"},
	}
	for machine, tc := range tests {
		for _, strategy := range []string{"none", "single", "mixed"} {
			t.Run(machine+"/"+strategy, func(t *testing.T) {
				l := compute(t, simulate(t, machine), strategy).Labels
				assert.Equal(t, tc.product, l["nvidia.com/gpu.product"])
				assert.Equal(t, tc.family, l["nvidia.com/gpu.family"])
				assert.Equal(t, tc.cc, l["nvidia.com/gpu.compute.major"])
				assert.Equal(t, tc.memory, l["nvidia.com/gpu.memory"])
				assert.Equal(t, tc.driver, l["nvidia.com/cuda.driver-version.full"])
				assert.Equal(t, "8", l["nvidia.com/gpu.count"])
				if strategy == "none" {
					assert.NotContains(t, l, "nvidia.com/mig.strategy")
				} else {
					assert.Equal(t, strategy, l["nvidia.com/mig.strategy"])
				}
				for k := range l {
					assert.False(t, strings.HasPrefix(k, "nvidia.com/mig-"), "no MIG devices, no %s", k)
				}
			})
		}
	}
}

func TestMIGStrategies(t *testing.T) {
	sim := simulate(t, "dgxa100,mig=1g.5gb")
	t.Run("none counts the MIG-enabled GPUs with replicas 0", func(t *testing.T) {
		l := compute(t, sim, "none").Labels
		assert.Equal(t, "8", l["nvidia.com/gpu.count"])
		assert.Equal(t, "0", l["nvidia.com/gpu.replicas"])
		assert.Equal(t, "Mock-NVIDIA-A100-SXM4-40GB", l["nvidia.com/gpu.product"])
		assert.NotContains(t, l, "nvidia.com/gpu.multiprocessors")
	})
	t.Run("single describes the MIG devices", func(t *testing.T) {
		l := compute(t, sim, "single").Labels
		assert.Equal(t, "Mock-NVIDIA-A100-SXM4-40GB-MIG-1g.5gb", l["nvidia.com/gpu.product"])
		assert.Equal(t, "56", l["nvidia.com/gpu.count"])
		assert.Equal(t, "1", l["nvidia.com/gpu.replicas"])
		assert.Equal(t, "4864", l["nvidia.com/gpu.memory"])
		assert.Equal(t, "14", l["nvidia.com/gpu.multiprocessors"])
		assert.Equal(t, "1", l["nvidia.com/gpu.slices.gi"])
		assert.Equal(t, "1", l["nvidia.com/gpu.slices.ci"])
		assert.Equal(t, "1", l["nvidia.com/gpu.engines.copy"])
		assert.Equal(t, "ampere", l["nvidia.com/gpu.family"])
	})
	t.Run("mixed writes one set per profile next to the MIG-enabled GPUs' full-GPU set", func(t *testing.T) {
		l := compute(t, sim, "mixed").Labels
		assert.Equal(t, "Mock-NVIDIA-A100-SXM4-40GB-MIG-1g.5gb", l["nvidia.com/mig-1g.5gb.product"])
		assert.Equal(t, "56", l["nvidia.com/mig-1g.5gb.count"])
		assert.Equal(t, "4864", l["nvidia.com/mig-1g.5gb.memory"])
		// GFD's newGPULabelers labels MIG-enabled GPUs without sharing.
		assert.Equal(t, "Mock-NVIDIA-A100-SXM4-40GB", l["nvidia.com/gpu.product"])
		assert.Equal(t, "8", l["nvidia.com/gpu.count"])
		assert.Equal(t, "0", l["nvidia.com/gpu.replicas"])
		assert.Equal(t, "none", l["nvidia.com/gpu.sharing-strategy"])
		assert.Equal(t, "40960", l["nvidia.com/gpu.memory"])
	})
	t.Run("mixed with some GPUs whole and two profiles", func(t *testing.T) {
		sim := simulate(t, "dgxh100")
		require.NoError(t, sim.SetGPUMIG(0, true, "3g.40gb"))
		require.NoError(t, sim.SetGPUMIG(1, true, "1g.10gb"))
		l := compute(t, sim, "mixed").Labels
		assert.Equal(t, "8", l["nvidia.com/gpu.count"], "GFD counts every GPU of the model, MIG on or off")
		assert.Equal(t, "1", l["nvidia.com/gpu.replicas"])
		assert.Equal(t, "2", l["nvidia.com/mig-3g.40gb.count"])
		assert.Equal(t, "7", l["nvidia.com/mig-1g.10gb.count"])
		assert.Equal(t, "NVIDIA-H100-80GB-HBM3-MIG-3g.40gb", l["nvidia.com/mig-3g.40gb.product"])
	})
}

func TestSingleInvalid(t *testing.T) {
	tests := map[string]struct {
		setup  func(*device.Simulation) error
		reason string
	}{
		"MIG on some GPUs only": {
			setup:  func(s *device.Simulation) error { return s.SetGPUMIG(2, true, "1g.10gb") },
			reason: "GPU 0 has MIG disabled while GPU 2 has it enabled",
		},
		"MIG on without MIG devices": {
			setup: func(s *device.Simulation) error {
				if err := s.SetMIG("1g.10gb"); err != nil {
					return err
				}
				return s.SetGPUMIG(4, true, "")
			},
			reason: "GPU 4 has MIG enabled but no MIG devices",
		},
		"two profiles": {
			setup: func(s *device.Simulation) error {
				if err := s.SetMIG("1g.10gb"); err != nil {
					return err
				}
				return s.SetGPUMIG(7, true, "7g.80gb")
			},
			reason: "MIG devices of 2 profiles ([1g.10gb 7g.80gb])",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			sim := simulate(t, "dgxh100")
			require.NoError(t, tc.setup(sim))
			f := compute(t, sim, "single")
			assert.Contains(t, f.SingleInvalid, tc.reason)
			assert.Equal(t, "NVIDIA-H100-80GB-HBM3-MIG-INVALID", f.Labels["nvidia.com/gpu.product"])
			for _, k := range []string{"count", "replicas", "memory"} {
				assert.Equal(t, "0", f.Labels["nvidia.com/gpu."+k], k)
			}
		})
	}
}

func TestHeterogeneousGPUs(t *testing.T) {
	srv := server.NewServerWithGPUs("580.159.04", "13.580.159.04", 13000,
		gpus.H100_SXM5_80GB, gpus.A100_SXM4_80GB, gpus.A100_SXM4_80GB)
	sim := device.NewSimulation(srv)
	f := compute(t, sim, "none")
	// GFD labels one model per node (chosen among the models at random;
	// we take the first GPU's) and counts the GPUs of that model.
	assert.Equal(t, "NVIDIA-H100-80GB-HBM3", f.Labels["nvidia.com/gpu.product"])
	assert.Equal(t, "1", f.Labels["nvidia.com/gpu.count"])
	assert.Equal(t, "hopper", f.Labels["nvidia.com/gpu.family"])
	assert.Equal(t, "13.0", f.Labels["nvidia.com/cuda.runtime-version.full"])
	assert.Equal(t, "04", f.Labels["nvidia.com/cuda.driver-version.revision"], "leading zero kept")
	// ...but the MIG profiles annotation is the union of both models'.
	assert.Contains(t, f.Annotations[vocab.AnnotationMIGProfiles], "1g.10gb.me")
	assert.Contains(t, f.Annotations[vocab.AnnotationMIGProfiles], "7g.80gb")
	// ...and so is the PCI device ID annotation, sorted and unique
	// (A100-SXM4-80GB 0x20B2, H100 SXM5 0x2330).
	assert.Equal(t, "0x20B210DE,0x233010DE", f.Annotations[vocab.AnnotationPCIDeviceIDs])

	require.NoError(t, sim.SetGPUMIG(1, true, "2g.20gb"))
	require.NoError(t, sim.SetGPUMIG(2, true, "2g.20gb"))
	f = compute(t, sim, "mixed")
	assert.Equal(t, "1", f.Labels["nvidia.com/gpu.count"])
	assert.Equal(t, "NVIDIA-A100-SXM4-80GB-MIG-2g.20gb", f.Labels["nvidia.com/mig-2g.20gb.product"])
	assert.Equal(t, "6", f.Labels["nvidia.com/mig-2g.20gb.count"])
}

func TestNoGPUs(t *testing.T) {
	f, err := Compute(&device.Snapshot{DriverVersion: "580.1.2"}, Options{MIGStrategy: "mixed"})
	require.NoError(t, err)
	assert.Empty(t, f.Labels)
	assert.Empty(t, f.Deploy, "no GPUs, no deploy defaults")
	f, err = Compute(nil, Options{MIGStrategy: "mixed"})
	require.NoError(t, err)
	assert.Empty(t, f.Labels)
}

func TestComputeErrors(t *testing.T) {
	snap, err := simulate(t, "dgxh100").Reader().Read()
	require.NoError(t, err)
	_, err = Compute(snap, Options{MIGStrategy: "Mixed"})
	require.ErrorContains(t, err, `unknown MIG strategy "Mixed"`)
	snap.DriverVersion = "garbage"
	_, err = Compute(snap, Options{MIGStrategy: "none"})
	assert.ErrorContains(t, err, `unexpected driver version "garbage"`)
}

func TestOptions(t *testing.T) {
	snap, err := simulate(t, "dgxh100").Reader().Read()
	require.NoError(t, err)
	f, err := Compute(snap, Options{MIGStrategy: "none", Timestamp: 1764200000, DeployComponents: []string{"dcgm"}})
	require.NoError(t, err)
	assert.Equal(t, "1764200000", f.Labels["nvidia.com/gfd.timestamp"])
	assert.Equal(t, "unknown", f.Labels["nvidia.com/gpu.machine"])
	assert.Equal(t, Labels{"nvidia.com/gpu.deploy.dcgm": "true"}, f.Deploy)
	f, err = Compute(snap, Options{MIGStrategy: "none", DeployComponents: []string{}})
	require.NoError(t, err)
	assert.Empty(t, f.Deploy)
	assert.NotContains(t, f.Labels, "nvidia.com/gfd.timestamp", "no timestamp unless asked for")
}

func TestFamily(t *testing.T) {
	for cc, want := range map[[2]int]string{
		{3, 7}: "kepler", {5, 2}: "maxwell", {6, 0}: "pascal", {7, 0}: "volta", {7, 2}: "volta",
		{7, 5}: "turing", {8, 0}: "ampere", {8, 6}: "ampere", {8, 7}: "ampere", {8, 9}: "ada-lovelace",
		{9, 0}: "hopper", {10, 0}: "blackwell", {12, 0}: "blackwell", {13, 0}: "rubin", {11, 0}: "undefined", {2, 0}: "undefined",
	} {
		assert.Equal(t, want, family(cc[0], cc[1]), "%v", cc)
	}
}

func TestGPUMode(t *testing.T) {
	assert.Equal(t, "graphics", gpuMode(0x030000))
	assert.Equal(t, "compute", gpuMode(0x030200))
	assert.Equal(t, "unknown", gpuMode(0))
}
