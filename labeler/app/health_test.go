package app

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHealth(t *testing.T) {
	cycles := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "cycle_seconds"})
	clock := time.Unix(0, 0)
	h := &Health{Cycles: CyclesOf(cycles), Stale: 3 * time.Minute, Now: func() time.Time { return clock }}
	probe := func(path string) int {
		rec := httptest.NewRecorder()
		h.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code
	}
	assert.Equal(t, http.StatusServiceUnavailable, probe("/readyz"), "not ready before a cycle")
	assert.Equal(t, http.StatusOK, probe("/healthz"), "alive while starting")

	cycles.Observe(0.1)
	assert.Equal(t, http.StatusOK, probe("/readyz"))
	require.NoError(t, h.Alive())
	clock = clock.Add(2 * time.Minute)
	cycles.Observe(0.1)
	assert.Equal(t, http.StatusOK, probe("/healthz"), "a new cycle came")

	clock = clock.Add(4 * time.Minute)
	assert.Equal(t, http.StatusServiceUnavailable, probe("/healthz"), "no cycle for longer than Stale: stuck")
	assert.ErrorContains(t, h.Alive(), "the labeler looks stuck")
	cycles.Observe(0.1)
	assert.Equal(t, http.StatusOK, probe("/healthz"), "alive again once cycles resume")
}
