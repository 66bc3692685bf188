package admit_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/admit"
	"github.com/gpuguard/gpuguard/webhooks/admit/admittest"
)

// Two servers of one process register the same metrics on one registry:
// the second reuses the first's collectors, so both count into what the
// registry serves.
func TestMetricsOfTwoServersCountTogether(t *testing.T) {
	reg := prometheus.NewRegistry()
	p, err := config.Parse("p", []byte("enforcement: {unsatisfiable: deny}\n"))
	require.NoError(t, err)
	for range 2 {
		m := admit.NewMetrics(reg)
		h := admittest.HandlerWith(podSpec("pod", unsatisfiable), p, m)
		_, r, raw := admittest.Serve(h, []byte(review))
		require.NotNil(t, r, "%s", raw)
		require.False(t, r.Response.Allowed)
	}
	n, err := testutil.GatherAndCount(reg, "gpuguard_webhook_denials_total")
	require.NoError(t, err)
	assert.Equal(t, 1, n, "one series, webhook pod and rule unsatisfiable")
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() == "gpuguard_webhook_denials_total" {
			assert.InDelta(t, 2, f.GetMetric()[0].GetCounter().GetValue(), 0)
		}
	}
}
