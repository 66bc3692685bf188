package perf_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gpuguard/gpuguard/test/perf"
)

// Two rounds of benchmark output, with the noise of a real run around them.
const benchOutput = `goos: linux
goarch: amd64
pkg: github.com/gpuguard/gpuguard/test/perf
BenchmarkWebhook/gpu-pod/gpuguard-2         	    1000	    200000 ns/op	   30000 B/op	     400 allocs/op
BenchmarkWebhook/gpu-pod/noop-2             	    1000	    100000 ns/op	   20000 B/op	     200 allocs/op
BenchmarkWebhook/gpu-pod/patch-2            	    1000	    160000 ns/op	   21000 B/op	     210 allocs/op
PASS
BenchmarkWebhook/gpu-pod/gpuguard-2         	    1000	    330000 ns/op	   30000 B/op	     400 allocs/op
BenchmarkWebhook/gpu-pod/noop-2             	    1000	    110000 ns/op	   20000 B/op	     200 allocs/op
BenchmarkWebhook/gpu-pod/patch-2            	    1000	    110000 ns/op	   21000 B/op	     210 allocs/op
ok  	github.com/gpuguard/gpuguard/test/perf	3.1s
`

func TestRatiosPairRounds(t *testing.T) {
	results, err := perf.ParseBench(strings.NewReader(benchOutput))
	require.NoError(t, err)
	require.Len(t, results, 6)
	assert.Equal(t, "Webhook/gpu-pod/gpuguard", results[0].Name)

	ratios := perf.Ratios(results, "ns/op", "allocs/op")
	require.Len(t, ratios, 4)
	byKey := map[string]perf.Ratio{}
	for _, r := range ratios {
		byKey[r.Baseline+" "+r.Unit] = r
	}
	// Per-round ratios 2 and 3: median 2.5, not the ratio of medians.
	assert.InDelta(t, 2.5, byKey["noop ns/op"].Ratio, 1e-9)
	assert.InDelta(t, 2.0, byKey["noop allocs/op"].Ratio, 1e-9)
	// Per-round 1.25 and 3.0.
	assert.InDelta(t, 2.125, byKey["patch ns/op"].Ratio, 1e-9)
	assert.Equal(t, 2, byKey["patch ns/op"].Rounds)
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	assert.Equal(t, 50*time.Millisecond, perf.Percentile(ds, 50))
	assert.Equal(t, 99*time.Millisecond, perf.Percentile(ds, 99))
	assert.Equal(t, 100*time.Millisecond, perf.Percentile(ds, 100))
	assert.Zero(t, perf.Percentile(nil, 50))
}
