package suggest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestClosest(t *testing.T) {
	assert.Equal(t, 1, editDistance("dcgm-exporer", "dcgm-exporter"))
	assert.Equal(t, 0, editDistance("", ""))
	assert.Equal(t, 3, editDistance("abc", ""))
	names := []string{"driver", "device-plugin", "dcgm", "dcgm-exporter"}
	best, d := Closest("device-plugn", names)
	assert.Equal(t, "device-plugin", best)
	assert.Equal(t, 1, d)
	_, d = Closest("x", nil)
	assert.Equal(t, -1, d)

	got, ok := Typo("dcgm-exporer", names)
	assert.True(t, ok)
	assert.Equal(t, "dcgm-exporter", got)
	_, ok = Typo("quantum-flux", names)
	assert.False(t, ok)
}

// Typo's bounded search answers as the full distance would: the closest
// candidate, if within the bound.
func TestTypoMatchesFullDistance(t *testing.T) {
	names := []string{"driver", "device-plugin", "dcgm", "dcgm-exporter", "gpu-feature-discovery", "mig-manager", "operands"}
	inputs := []string{"", "d", "drvier", "dcgm-exporer", "dcgm-exp", "mig-manger", "operand", "junk-12345",
		"gpu-feature-discovry", "device-plugin", "a-very-long-component-name-that-matches-nothing-at-all-really-long"}
	for _, s := range inputs {
		best, d := Closest(s, names)
		got, ok := Typo(s, names)
		want := d >= 0 && d <= max(2, len(s)/3)
		assert.Equal(t, want, ok, s)
		if want {
			assert.Equal(t, best, got, s)
		}
	}
}

func BenchmarkTypo(b *testing.B) {
	names := []string{"driver", "device-plugin", "dcgm", "dcgm-exporter", "gpu-feature-discovery", "mig-manager", "operands"}
	b.ReportAllocs()
	for b.Loop() {
		Typo("junk-12345", names)
	}
}
