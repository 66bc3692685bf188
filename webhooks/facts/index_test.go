package facts

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func h100Labels() map[string]string {
	return map[string]string{
		LabelGPUPresent: "true", LabelGPUProduct: "NVIDIA-H100-80GB-HBM3", LabelGPUMemory: "81559",
		LabelGPUFamily: "hopper", LabelComputeMajor: "9", LabelComputeMinor: "0",
		LabelCUDAMajor: "13", LabelCUDAMinor: "0", LabelMIGCapable: "true",
		LabelDeployPrefix + "dcgm-exporter": "true", LabelDeployPrefix + "driver": "false",
	}
}

func TestFromLabels(t *testing.T) {
	n := FromLabels("gpu-h100-0", h100Labels(), map[string]string{AnnotationMIGProfiles: "1g.10gb,7g.80gb"})
	assert.True(t, n.HasGPU())
	assert.True(t, n.MIGCapable)
	assert.Equal(t, Offer{
		Product: "NVIDIA-H100-80GB-HBM3", Family: "hopper", MemoryMiB: 81559, ComputeMajor: 9,
		CUDAMajor: 13, MIGProfiles: "1g.10gb,7g.80gb",
	}, n.Offer)
	assert.Equal(t, map[string]string{"dcgm-exporter": "true", "driver": "false"}, n.Deploy)

	cpu := FromLabels("cpu-0", map[string]string{"nvidia.com/gpu.memory": "lots"}, nil)
	assert.False(t, cpu.HasGPU())
	assert.Zero(t, cpu.Offer.MemoryMiB, "malformed numbers read as 0")
}

func TestIndexAggregates(t *testing.T) {
	idx := NewIndex()
	for i := range 3 {
		idx.Set(FromLabels(fmt.Sprintf("h100-%d", i), h100Labels(), nil))
	}
	a100 := h100Labels()
	a100[LabelGPUProduct], a100[LabelGPUMemory] = "NVIDIA-A100-SXM4-40GB", "40960"
	idx.Set(FromLabels("a100-0", a100, nil))
	idx.Set(FromLabels("cpu-0", nil, nil))

	assert.Equal(t, 5, idx.Len())
	offers := idx.Offers()
	require.Len(t, offers, 2, "nodes with equal facts are one offer")
	assert.Equal(t, "NVIDIA-H100-80GB-HBM3", offers[0].Product)
	assert.Equal(t, 3, offers[0].Nodes)
	assert.Equal(t, 4, idx.EnabledNodes("dcgm-exporter"))
	assert.Zero(t, idx.EnabledNodes("driver"))

	// A relabelled node moves between offers; a deleted one leaves them.
	off := h100Labels()
	off[LabelDeployPrefix+"dcgm-exporter"] = "false"
	idx.Set(FromLabels("h100-0", off, nil))
	assert.Equal(t, 3, idx.EnabledNodes("dcgm-exporter"))
	idx.Delete("a100-0")
	idx.Delete("missing")
	offers = idx.Offers()
	require.Len(t, offers, 1)
	assert.Equal(t, 3, offers[0].Nodes)
	got, ok := idx.Get("h100-1")
	require.True(t, ok)
	assert.Equal(t, "hopper", got.Offer.Family)
}

func BenchmarkFactsLookup(b *testing.B) {
	idx := NewIndex()
	for i := range 10000 {
		idx.Set(FromLabels(fmt.Sprintf("node-%d", i), h100Labels(), nil))
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = idx.Offers()
		_ = idx.EnabledNodes("dcgm-exporter")
	}
}
