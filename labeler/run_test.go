package labeler

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gpuguard/gpuguard/labeler/device"
)

// flakyReader fails while err is set, else reads the simulation.
type flakyReader struct {
	sim *device.Simulation
	err error
}

func (r *flakyReader) Read() (*device.Snapshot, error) {
	if r.err != nil {
		return nil, r.err
	}
	return r.sim.Reader().Read()
}

func TestLoopGracePeriod(t *testing.T) {
	r := &flakyReader{sim: simulate(t, "dgxh100")}
	var out []Labels
	clock := time.Unix(1764200000, 0)
	l := &Loop{
		Reader:      r,
		Options:     Options{MIGStrategy: "none"},
		Output:      func(l Labels) error { out = append(out, l); return nil },
		GracePeriod: time.Minute,
		now:         func() time.Time { return clock },
	}
	ctx := context.Background()
	require.NoError(t, l.Cycle(ctx))
	require.Len(t, out, 1)
	assert.Equal(t, "8", out[0]["nvidia.com/gpu.count"])

	r.err = errors.New("NVML GetName: GPU is lost")
	clock = clock.Add(30 * time.Second)
	require.NoError(t, l.Cycle(ctx))
	assert.Equal(t, out[0], out[1], "within the grace period the last good facts stay")
	assert.InDelta(t, 1, testutil.ToFloat64(l.Metrics.Errors.WithLabelValues("nvml")), 0)

	clock = clock.Add(time.Minute)
	require.NoError(t, l.Cycle(ctx))
	assert.Empty(t, out[2], "past the grace period the GPU facts go")

	r.err = nil
	require.NoError(t, l.Cycle(ctx))
	assert.Equal(t, out[0], out[3], "facts come back with NVML")
}

func TestLoopNoLibrary(t *testing.T) {
	r := &flakyReader{err: device.ErrNoLibrary}
	var out []Labels
	l := &Loop{Reader: r, Options: Options{MIGStrategy: "none"}, Output: func(l Labels) error { out = append(out, l); return nil }}
	require.NoError(t, l.Cycle(context.Background()))
	assert.Empty(t, out[0])
	assert.InDelta(t, 0, testutil.ToFloat64(l.Metrics.Errors.WithLabelValues("nvml")), 0, "a node without NVML is not an error")
}

func TestLoopSingleInvalidMetric(t *testing.T) {
	sim := simulate(t, "dgxh100")
	require.NoError(t, sim.SetGPUMIG(0, true, "1g.10gb"))
	l := &Loop{Reader: sim.Reader(), Options: Options{MIGStrategy: "single"}}
	require.NoError(t, l.Cycle(context.Background()))
	assert.InDelta(t, 1, testutil.ToFloat64(l.Metrics.SingleInvalid), 0)
	require.NoError(t, sim.SetMIG(""))
	require.NoError(t, l.Cycle(context.Background()))
	assert.InDelta(t, 0, testutil.ToFloat64(l.Metrics.SingleInvalid), 0)
}

func TestLoopRunStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	l := &Loop{
		Reader:   simulate(t, "dgxa100").Reader(),
		Options:  Options{MIGStrategy: "none"},
		Interval: time.Millisecond,
		Output: func(Labels) error {
			calls++
			if calls == 3 {
				cancel()
			}
			return nil
		},
	}
	require.NoError(t, l.Run(ctx))
	assert.GreaterOrEqual(t, calls, 3)
}

func BenchmarkLabelCycle(b *testing.B) {
	sim, err := device.Simulate("dgxh100")
	require.NoError(b, err)
	l := &Loop{Reader: sim.Reader(), Options: Options{MIGStrategy: "mixed", MachineType: "DGX H100"}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := l.Cycle(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
