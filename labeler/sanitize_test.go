package labeler

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"k8s.io/apimachinery/pkg/util/validation"
)

func TestSanitizeName(t *testing.T) {
	for in, want := range map[string]string{
		"NVIDIA H100 80GB HBM3":     "NVIDIA-H100-80GB-HBM3",
		"NVIDIA A100-SXM4-40GB":     "NVIDIA-A100-SXM4-40GB",
		"Tesla V100 (PCIe) 16GB!":   "Tesla-V100-PCIe-16GB",
		"  DGX H100 \n":             "DGX-H100",
		"ProLiant DL380 Gen10/Plus": "ProLiant-DL380-Gen10Plus",
		"A100  (double space)":      "A100-double-space",
	} {
		assert.Equal(t, want, sanitizeName(in), in)
	}
}

func TestLabelValue(t *testing.T) {
	long := strings.Repeat("NVIDIA-Super-Long-Product-Name-", 4) // 124 characters
	tests := map[string]struct {
		in, want string
		ok       bool
	}{
		"valid kept":               {"NVIDIA-H100-80GB-HBM3", "NVIDIA-H100-80GB-HBM3", true},
		"empty is kept, as GFD":    {"", "", true},
		"bad characters":           {"a/b:c", "a-b-c", true},
		"trailing dash cut":        {"-H100 PCIe-", "H100-PCIe", true},
		"nothing left":             {"---", "", false},
		"long value hashed":        {long, "NVIDIA-Super-Long-Product-Name-NVIDIA-Super-Long-Produ-fad7bb45", true},
		"exactly 63 characters ok": {strings.Repeat("a", 63), strings.Repeat("a", 63), true},
		"64 characters are hashed": {strings.Repeat("a", 64), strings.Repeat("a", 54) + "-ffe054fe", true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := labelValue(tc.in)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.want, got)
			if ok {
				assert.Empty(t, validation.IsValidLabelValue(got))
			}
		})
	}
}

// One bad value drops that label, never the whole set.
func TestBadValueDropsOnlyItsLabel(t *testing.T) {
	sim := simulate(t, "dgxh100")
	snap, _ := sim.Reader().Read()
	for i := range snap.GPUs {
		snap.GPUs[i].Name = "-!-"
	}
	f, err := Compute(snap, Options{MIGStrategy: "none"})
	assert.NoError(t, err)
	assert.Equal(t, []string{"nvidia.com/gpu.product"}, f.Dropped)
	assert.Equal(t, "8", f.Labels["nvidia.com/gpu.count"])
}
