package labeler

import (
	"maps"
	"regexp"
	"strconv"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/gpus"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gpuguard/gpuguard/labeler/device"
)

// baseKey matches the labels every resource labeler of GFD writes
// (baseLabeler, memory, newArchitectureLabels in NVIDIA/k8s-device-plugin
// internal/lm/resource.go); the MIG attribute labels are checked apart.
var baseKey = regexp.MustCompile(`^nvidia\.com/(gpu|mig-[^.]+\.[^.]+)\.(product|count|replicas|memory|sharing-strategy|family|compute\.major|compute\.minor)$`)

func baseLabels(l Labels) Labels {
	out := Labels{}
	for k, v := range l {
		if baseKey.MatchString(k) {
			out[k] = v
		}
	}
	return out
}

// whole is one model's full-GPU set; replicas 0 is GFD's labeler without
// sharing (every GPU of the model has MIG on).
func whole(product string, count, replicas int, memory, family, major string) Labels {
	return Labels{
		"nvidia.com/gpu.product": product, "nvidia.com/gpu.count": itoa(count),
		"nvidia.com/gpu.replicas": itoa(replicas), "nvidia.com/gpu.memory": memory,
		"nvidia.com/gpu.sharing-strategy": "none", "nvidia.com/gpu.family": family,
		"nvidia.com/gpu.compute.major": major, "nvidia.com/gpu.compute.minor": "0",
	}
}

func migSet(resource, product string, count int, memory string) Labels {
	return Labels{
		resource + ".product": product, resource + ".count": itoa(count), resource + ".replicas": "1",
		resource + ".memory": memory, resource + ".sharing-strategy": "none",
	}
}

func union(sets ...Labels) Labels {
	out := Labels{}
	for _, s := range sets {
		maps.Copy(out, s)
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }

const (
	a100 = "Mock-NVIDIA-A100-SXM4-40GB"
	h100 = "NVIDIA-H100-80GB-HBM3"
)

var (
	a100Whole = func(replicas int) Labels { return whole(a100, 8, replicas, "40960", "ampere", "8") }
	h100Whole = func(replicas int) Labels { return whole(h100, 8, replicas, "81920", "hopper", "9") }
	// invalid is GFD's newInvalidMigStrategyLabeler merged over the full-GPU
	// set: family and compute capability stay, sharing-strategy is empty.
	invalid = func(full Labels, product string) Labels {
		return union(full, Labels{
			"nvidia.com/gpu.product": product + "-MIG-INVALID", "nvidia.com/gpu.count": "0",
			"nvidia.com/gpu.replicas": "0", "nvidia.com/gpu.memory": "0", "nvidia.com/gpu.sharing-strategy": "",
		})
	}
)

// Every MIG layout under every strategy, against GFD v0.18.0's
// internal/lm/mig-strategy.go read as described in docs/labels.md.
func TestResourceLabelsLikeGFD(t *testing.T) {
	layouts := map[string]struct {
		machine string
		setup   func(*device.Simulation) error
		want    map[string]Labels // by strategy
	}{
		"A100 all MIG 1g.5gb": {
			machine: "dgxa100",
			setup:   func(s *device.Simulation) error { return s.SetMIG("1g.5gb") },
			want: map[string]Labels{
				"none":   a100Whole(0),
				"single": union(a100Whole(0), migSet("nvidia.com/gpu", a100+"-MIG-1g.5gb", 56, "4864")),
				"mixed":  union(a100Whole(0), migSet("nvidia.com/mig-1g.5gb", a100+"-MIG-1g.5gb", 56, "4864")),
			},
		},
		"H100 no MIG": {
			machine: "dgxh100",
			setup:   func(*device.Simulation) error { return nil },
			want:    map[string]Labels{"none": h100Whole(1), "single": h100Whole(1), "mixed": h100Whole(1)},
		},
		"H100 partly MIG, two profiles": {
			machine: "dgxh100",
			setup: func(s *device.Simulation) error {
				if err := s.SetGPUMIG(0, true, "3g.40gb"); err != nil {
					return err
				}
				return s.SetGPUMIG(1, true, "1g.10gb")
			},
			want: map[string]Labels{
				// GFD counts every GPU of the model, MIG on or off; a whole GPU
				// of the model makes replicas 1.
				"none":   h100Whole(1),
				"single": invalid(h100Whole(1), h100),
				"mixed": union(h100Whole(1),
					migSet("nvidia.com/mig-3g.40gb", h100+"-MIG-3g.40gb", 2, "40960"),
					migSet("nvidia.com/mig-1g.10gb", h100+"-MIG-1g.10gb", 7, "10240")),
			},
		},
		"H100 all MIG, two profiles": {
			machine: "dgxh100",
			setup: func(s *device.Simulation) error {
				if err := s.SetMIG("1g.10gb"); err != nil {
					return err
				}
				return s.SetGPUMIG(7, true, "7g.80gb")
			},
			want: map[string]Labels{
				"none":   h100Whole(0),
				"single": invalid(h100Whole(0), h100),
				"mixed": union(h100Whole(0),
					migSet("nvidia.com/mig-1g.10gb", h100+"-MIG-1g.10gb", 49, "10240"),
					migSet("nvidia.com/mig-7g.80gb", h100+"-MIG-7g.80gb", 1, "81920")),
			},
		},
		"H100 MIG on, one GPU empty": {
			machine: "dgxh100",
			setup: func(s *device.Simulation) error {
				if err := s.SetMIG("3g.40gb"); err != nil {
					return err
				}
				return s.SetGPUMIG(4, true, "")
			},
			want: map[string]Labels{
				"none":   h100Whole(0),
				"single": invalid(h100Whole(0), h100),
				// mixed ignores a MIG-enabled GPU without MIG devices.
				"mixed": union(h100Whole(0), migSet("nvidia.com/mig-3g.40gb", h100+"-MIG-3g.40gb", 14, "40960")),
			},
		},
		"H100 MIG on, no MIG devices anywhere": {
			machine: "dgxh100",
			setup: func(s *device.Simulation) error {
				for i := range 8 {
					if err := s.SetGPUMIG(i, true, ""); err != nil {
						return err
					}
				}
				return nil
			},
			want: map[string]Labels{"none": h100Whole(0), "single": invalid(h100Whole(0), h100), "mixed": h100Whole(0)},
		},
	}
	for name, tc := range layouts {
		for strategy, want := range tc.want {
			t.Run(name+"/"+strategy, func(t *testing.T) {
				sim := simulate(t, tc.machine)
				require.NoError(t, tc.setup(sim))
				f := compute(t, sim, strategy)
				assert.Equal(t, want, baseLabels(f.Labels))
				assert.Equal(t, want["nvidia.com/gpu.count"] == "0", f.SingleInvalid != "",
					"a reason is given exactly with the INVALID set: %q", f.SingleInvalid)
			})
		}
	}
}

// Two models on one node: GFD's newGPULabelers merges the MIG-enabled
// models first and the models with a whole GPU after them, so a whole
// GPU's model is the one described, counted per model.
func TestResourceLabelsTwoModels(t *testing.T) {
	sim := device.NewSimulation(server.NewServerWithGPUs("580.159.04", "13.580.159.04", 13000,
		gpus.H100_SXM5_80GB, gpus.A100_SXM4_80GB, gpus.A100_SXM4_80GB))
	require.NoError(t, sim.SetGPUMIG(0, true, "1g.10gb"))
	a100x2 := whole("NVIDIA-A100-SXM4-80GB", 2, 1, "81920", "ampere", "8")
	assert.Equal(t, a100x2, baseLabels(compute(t, sim, "none").Labels))
	assert.Equal(t, union(a100x2, migSet("nvidia.com/mig-1g.10gb", h100+"-MIG-1g.10gb", 7, "10240")),
		baseLabels(compute(t, sim, "mixed").Labels))
	assert.Equal(t, invalid(a100x2, h100), baseLabels(compute(t, sim, "single").Labels),
		"INVALID names the first MIG-enabled GPU's model")

	require.NoError(t, sim.SetGPUMIG(0, false, ""))
	require.NoError(t, sim.SetGPUMIG(1, true, "2g.20gb"))
	require.NoError(t, sim.SetGPUMIG(2, true, "2g.20gb"))
	assert.Equal(t, whole(h100, 1, 1, "81920", "hopper", "9"), baseLabels(compute(t, sim, "none").Labels))
}
