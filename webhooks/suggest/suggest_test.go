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
