package labeler

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/gpuguard/gpuguard/config/vocab"
	"github.com/gpuguard/gpuguard/labeler/device"
)

// NVML failures never take the deploy labels with them, and a restarted
// labeler starts from what its Node says (issue 11, item 3).
func TestNVMLFailureKeepsDeployLabels(t *testing.T) {
	tests := map[string]struct {
		// restart starts a new Loop (nothing in memory) before failing.
		restart bool
		err     error
		// after is how long after the last good read the failing cycle runs.
		after     time.Duration
		wantFacts bool
	}{
		"NVML error within the grace period":         {err: &device.ReturnError{Call: "Init"}, after: time.Minute, wantFacts: true},
		"NVML error past the grace period":           {err: &device.ReturnError{Call: "Init"}, after: 10 * time.Minute},
		"library gone within the grace period":       {err: device.ErrNoLibrary, after: time.Minute, wantFacts: true},
		"library gone past the grace period":         {err: device.ErrNoLibrary, after: 10 * time.Minute},
		"restarted, first reads fail":                {restart: true, err: &device.ReturnError{Call: "Init"}, after: time.Minute, wantFacts: true},
		"restarted, library missing":                 {restart: true, err: device.ErrNoLibrary, after: time.Minute, wantFacts: true},
		"restarted, reads failing past grace period": {restart: true, err: &device.ReturnError{Call: "Init"}, after: 10 * time.Minute},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			cs := fake.NewClientset()
			_, err := cs.CoreV1().Nodes().Create(ctx, nodeNamed("gpu-0"), metav1.CreateOptions{})
			require.NoError(t, err)
			clock := time.Unix(1764200000, 0)
			r := &flakyReader{sim: simulate(t, "dgxh100")}
			newLoop := func() *Loop {
				return &Loop{
					Reader: r, Options: Options{MIGStrategy: "none"}, GracePeriod: 5 * time.Minute,
					Writer: &NodeWriter{Client: cs, NodeName: "gpu-0"}, now: func() time.Time { return clock },
				}
			}
			l := newLoop()
			require.NoError(t, l.Cycle(ctx))
			if tc.restart {
				l = newLoop()
			}
			r.err = tc.err
			require.NoError(t, l.Cycle(ctx)) // the failing cycle starts the clock of a restarted loop
			clock = clock.Add(tc.after)
			require.NoError(t, l.Cycle(ctx))

			n, err := cs.CoreV1().Nodes().Get(ctx, "gpu-0", metav1.GetOptions{})
			require.NoError(t, err)
			assert.Len(t, filterPrefix(n.Labels, vocab.DeployPrefix), len(vocab.DefaultDeployComponents(true)), "all deploy labels stay, driver included")
			assert.Equal(t, "true", n.Labels[vocab.DeployPrefix+"driver"])
			if tc.wantFacts {
				assert.Equal(t, "NVIDIA-H100-80GB-HBM3", n.Labels["nvidia.com/gpu.product"])
				assert.Equal(t, "true", n.Labels["nvidia.com/gpu.present"])
			} else {
				assert.NotContains(t, n.Labels, "nvidia.com/gpu.product")
			}
		})
	}
}

func nodeNamed(name string) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
}
