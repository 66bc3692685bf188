package metricreg_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"

	"github.com/gpuguard/gpuguard/config/metricreg"
)

// The second registration of the same metric returns the first collector:
// both count into one series.
func TestRegisterReusesTheSameMetric(t *testing.T) {
	reg := prometheus.NewRegistry()
	opts := prometheus.CounterOpts{Name: "gpuguard_test_total", Help: "h"}
	first := metricreg.Register(reg, prometheus.NewCounter(opts))
	second := metricreg.Register(reg, prometheus.NewCounter(opts))
	first.Inc()
	second.Inc()
	assert.InDelta(t, 2, testutil.ToFloat64(first), 0)
	assert.Same(t, first, second)
}

// A metric of the same name and another shape is a bug: it panics.
func TestRegisterRefusesAnotherShape(t *testing.T) {
	reg := prometheus.NewRegistry()
	metricreg.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{Name: "gpuguard_test_total", Help: "h"}))
	assert.Panics(t, func() {
		metricreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gpuguard_test_total", Help: "h"}, []string{"x"}))
	})
}

// Without a registry the collector is returned unregistered.
func TestRegisterWithoutRegistry(t *testing.T) {
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "gpuguard_test_total", Help: "h"})
	assert.Same(t, c, metricreg.Register(nil, c))
}
