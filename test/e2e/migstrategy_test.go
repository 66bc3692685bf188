package e2e

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/config/clusterpolicy"
	"github.com/gpuguard/gpuguard/test/harness"
	"github.com/gpuguard/gpuguard/webhooks/facts"
)

// effective waits until the webhook's strategy in force is want.
func effective(t *testing.T, want config.MIGStrategy) {
	t.Helper()
	require.NoError(t, wait.PollUntilContextTimeout(context.Background(), 20*time.Millisecond, 30*time.Second, true,
		func(context.Context) (bool, error) {
			return stack.Webhook.Server.Policy().Current().EffectiveMIGStrategy() == want, nil
		}), "webhook strategy never became %s", want)
}

// clusterPolicyEvent waits for an Event of reason on the ClusterPolicy and
// returns its message.
func clusterPolicyEvent(t *testing.T, reason, contains string) string {
	t.Helper()
	var msg string
	require.NoError(t, wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 30*time.Second, true,
		func(ctx context.Context) (bool, error) {
			evs := &corev1.EventList{}
			if err := cp.Client.List(ctx, evs, client.InNamespace("default")); err != nil {
				return false, nil //nolint:nilerr // keep polling through transient errors
			}
			for _, e := range evs.Items {
				if e.InvolvedObject.Kind == "ClusterPolicy" && e.InvolvedObject.Name == harness.ClusterPolicyName &&
					e.Reason == reason && strings.Contains(e.Message, contains) {
					msg = e.Type + " " + e.Reason + ": " + e.Message
					return true, nil
				}
			}
			return false, nil
		}), "no %s Event on the ClusterPolicy containing %q", reason, contains)
	return msg
}

func gauge(t *testing.T, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := metrics.Registry.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if want, ok := labels[l.GetName()]; ok && want != l.GetValue() {
					continue next
				}
			}
			return m.GetGauge().GetValue()
		}
	}
	return 0
}

// TestMIGStrategyFollowsTheClusterPolicy: with migStrategy auto (the chart's
// default), an edit of the GPU Operator's ClusterPolicy changes what the
// webhooks enforce and what the labelers write, live; an explicit policy
// value that disagrees is reported with a metric and an Event.
func TestMIGStrategyFollowsTheClusterPolicy(t *testing.T) {
	ctx := context.Background()
	effective(t, config.MIGStrategyMixed)
	require.NoError(t, cp.WaitForLabel(ctx, "gpu-a100-0", facts.LabelMIGStrategy, "mixed"))
	t.Cleanup(func() {
		require.NoError(t, cp.SetClusterPolicyStrategy(ctx, "mixed"))
		setStrategy(t, config.MIGStrategyAuto)
		effective(t, config.MIGStrategyMixed)
		require.NoError(t, cp.WaitForLabel(ctx, "gpu-a100-0", facts.LabelMIGStrategy, "mixed"))
	})

	// kubectl patch clusterpolicy cluster-policy ... strategy=single
	require.NoError(t, cp.SetClusterPolicyStrategy(ctx, "single"))
	effective(t, config.MIGStrategySingle)
	t.Log(clusterPolicyEvent(t, clusterpolicy.ReasonFollowed, "single"))
	// The labeler's sleep interval is a minute: the label follows at once
	// because the labeler restarts its loop on the change.
	require.NoError(t, cp.WaitForLabel(ctx, "gpu-a100-0", facts.LabelMIGStrategy, "single"))
	out, err := kubectlApply(gpuPodManifest("mig-pod-auto", "nvidia.com/mig-1g.5gb", ""))
	require.Error(t, err)
	assert.Contains(t, out, "this cluster uses single (GPU Operator ClusterPolicy cluster-policy spec.mig.strategy)")
	assert.InDelta(t, 1, gauge(t, "gpuguard_webhook_mig_strategy_info", map[string]string{"strategy": "single", "source": "clusterpolicy"}), 0)

	// An explicit policy value wins, and the disagreement is reported.
	require.NoError(t, os.WriteFile(cp.Dir+"/policy.yaml", []byte("migStrategy: mixed\n"), 0o600))
	effective(t, config.MIGStrategyMixed)
	t.Log(clusterPolicyEvent(t, clusterpolicy.ReasonConflict, `gpuguard's MIG strategy "mixed" overrides GPU Operator ClusterPolicy cluster-policy spec.mig.strategy "single"`))
	require.NoError(t, wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		return gauge(t, "gpuguard_webhook_mig_strategy_conflict", nil) == 1, nil
	}), "gpuguard_webhook_mig_strategy_conflict never became 1")

	// The operator's edit back to mixed ends the disagreement.
	require.NoError(t, cp.SetClusterPolicyStrategy(ctx, "mixed"))
	require.NoError(t, wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		return gauge(t, "gpuguard_webhook_mig_strategy_conflict", nil) == 0, nil
	}), "gpuguard_webhook_mig_strategy_conflict never went back to 0")
}
