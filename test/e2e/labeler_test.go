package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gpuguard/gpuguard/config/vocab"
	"github.com/gpuguard/gpuguard/labeler"
	"github.com/gpuguard/gpuguard/test/harness"
)

// startLabeler creates a node and runs a fast-cycling simulated labeler on it.
func startLabeler(t *testing.T, name, simulate, strategy string) *harness.Labeler {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, cp.CreateNodes(ctx, []harness.FakeNode{{Name: name}}))
	l, err := cp.StartLabeler(ctx, harness.FakeNode{Name: name, Simulate: simulate},
		harness.LabelerOptions{MIGStrategy: strategy, Interval: 50 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, l.Stop()) })
	require.NoError(t, cp.WaitForLabel(ctx, name, "nvidia.com/gpu.present", "true"))
	return l
}

func node(t *testing.T, name string) *corev1.Node {
	t.Helper()
	n := &corev1.Node{}
	require.NoError(t, cp.Client.Get(context.Background(), client.ObjectKey{Name: name}, n))
	return n
}

func kubectl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := kubectlErr(args...)
	require.NoError(t, err, "kubectl %s: %s", strings.Join(args, " "), out)
	return out
}

func TestLabelerWritesFacts(t *testing.T) {
	l := startLabeler(t, "e2e-labels", "dgxh100", "mixed")
	snap, err := l.Sim.Reader().Read()
	require.NoError(t, err)
	want, err := labeler.Compute(snap, labeler.Options{MIGStrategy: "mixed", MachineType: "DGX H100"})
	require.NoError(t, err)

	n := node(t, "e2e-labels")
	for k, v := range want.Labels {
		assert.Equal(t, v, n.Labels[k], k)
	}
	for k := range want.Deploy {
		assert.Equal(t, "true", n.Labels[k], k)
	}
	assert.Equal(t, want.Annotations[vocab.AnnotationMIGProfiles], n.Annotations[vocab.AnnotationMIGProfiles])
	assert.NotContains(t, n.Labels, "nvidia.com/gfd.timestamp")
}

func TestLabelerFollowsMIGLayout(t *testing.T) {
	ctx := context.Background()
	l := startLabeler(t, "e2e-mig", "dgxh100", "mixed")
	require.NoError(t, l.Sim.SetMIG("1g.10gb"))
	require.NoError(t, cp.WaitForLabel(ctx, "e2e-mig", "nvidia.com/mig-1g.10gb.count", "56"))
	// GFD labels MIG-enabled GPUs as full GPUs without sharing.
	assert.Equal(t, "0", node(t, "e2e-mig").Labels["nvidia.com/gpu.replicas"])
	assert.Equal(t, "NVIDIA-H100-80GB-HBM3", node(t, "e2e-mig").Labels["nvidia.com/gpu.product"])

	require.NoError(t, l.Sim.SetMIG("3g.40gb"))
	require.NoError(t, cp.WaitForLabel(ctx, "e2e-mig", "nvidia.com/mig-3g.40gb.count", "16"))
	for k := range node(t, "e2e-mig").Labels {
		assert.False(t, strings.HasPrefix(k, "nvidia.com/mig-1g.10gb."), "stale label %s", k)
	}

	require.NoError(t, l.Sim.SetMIG(""))
	require.NoError(t, cp.WaitForLabel(ctx, "e2e-mig", "nvidia.com/gpu.replicas", "1"))
	for k := range node(t, "e2e-mig").Labels {
		assert.False(t, strings.HasPrefix(k, "nvidia.com/mig-"), "stale label %s", k)
	}
}

func TestLabelerLeavesOthersAlone(t *testing.T) {
	ctx := context.Background()
	l := startLabeler(t, "e2e-others", "dgxa100", "mixed")
	kubectl(t, "label", "node", "e2e-others", "team=ml")
	kubectl(t, "label", "node", "e2e-others", "nvidia.com/gpu.deploy.dcgm-exporter=false", "--overwrite")
	require.NoError(t, l.WaitCycles(ctx, 3))
	n := node(t, "e2e-others")
	assert.Equal(t, "ml", n.Labels["team"])
	assert.Equal(t, "false", n.Labels["nvidia.com/gpu.deploy.dcgm-exporter"], "a person's deploy value survives")
	assert.Equal(t, "true", n.Labels["nvidia.com/gpu.deploy.dcgm"], "other defaults stay")

	// Removing the person's value does not bring the default back: deploy
	// defaults are written once.
	kubectl(t, "label", "node", "e2e-others", "nvidia.com/gpu.deploy.dcgm-exporter-")
	require.NoError(t, l.WaitCycles(ctx, 3))
	assert.NotContains(t, node(t, "e2e-others").Labels, "nvidia.com/gpu.deploy.dcgm-exporter")
}

func TestLabelerSteadyStateWritesNothing(t *testing.T) {
	ctx := context.Background()
	l := startLabeler(t, "e2e-steady", "dgxh200", "mixed")
	require.NoError(t, l.WaitCycles(ctx, 1))
	before := l.Writes()
	require.Positive(t, before, "the first cycle wrote the labels")
	require.NoError(t, l.WaitCycles(ctx, 3))
	assert.Equal(t, before, l.Writes(), "three unchanged cycles send no write request")
}
