package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/config/vocab"
	"github.com/gpuguard/gpuguard/test/harness"
)

// TestOperatorMIGConfigPerGPU: with the policy pointing at the GPU
// Operator's own default MIG config (NVIDIA/gpu-operator
// assets/state-mig-manager/0400_configmap.yaml, kept verbatim under
// test/fixtures), all-balanced resolves its device-filter entries for each
// node's GPUs: admitted on the A100 and the H100 node, refused where it
// truly does not fit.
func TestOperatorMIGConfigPerGPU(t *testing.T) {
	ctx := context.Background()
	for _, n := range []string{"gpu-a100-0", "gpu-h100-0"} {
		require.NotEmpty(t, node(t, n).Annotations[vocab.AnnotationPCIDeviceIDs], "the labeler publishes %s on %s", vocab.AnnotationPCIDeviceIDs, n)
	}
	// In "default": other tests own the gpu-operator namespace's life cycle.
	raw, err := os.ReadFile(filepath.Join("..", "fixtures", "gpu-operator", "default-mig-parted-config.yaml"))
	require.NoError(t, err)
	cm := &corev1.ConfigMap{}
	require.NoError(t, yaml.Unmarshal(raw, cm))
	cm.Namespace = "default"
	if err := cp.Client.Create(ctx, cm); err != nil {
		require.True(t, apierrors.IsAlreadyExists(err), err)
	}
	// The webhook reads no ConfigMap but the one its policy names, through
	// the Role the chart renders for that policy: install that Role.
	chart, err := harness.RenderChart("policy.migConfig.configMap.namespace=default",
		"policy.migConfig.configMap.name=default-mig-parted-config", "policy.migConfig.configMap.key=config.yaml")
	require.NoError(t, err)
	var rbac []client.Object
	for _, r := range harness.OfType[*rbacv1.Role](chart) {
		if r.Namespace == "default" {
			rbac = append(rbac, r)
		}
	}
	for _, b := range harness.OfType[*rbacv1.RoleBinding](chart) {
		if b.Namespace == "default" {
			rbac = append(rbac, b)
		}
	}
	require.Len(t, rbac, 2, "the chart grants the named MIG config ConfigMap by a Role and its binding")
	for _, o := range rbac {
		if err := cp.Client.Create(ctx, o); err != nil {
			require.True(t, apierrors.IsAlreadyExists(err), err)
		}
	}
	policy := "migStrategy: auto\nmigConfig:\n  configMap: {namespace: default, name: default-mig-parted-config, key: config.yaml}\n"
	require.NoError(t, os.WriteFile(cp.Dir+"/policy.yaml", []byte(policy), 0o600))
	require.NoError(t, wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return stack.Webhook.Server.Policy().Current().MIGConfig != nil, nil
	}))
	t.Cleanup(func() {
		for _, n := range []string{"gpu-a100-0", "gpu-h100-0"} {
			out, err := kubectlErr("label", "node", n, "nvidia.com/mig.config-")
			assert.NoError(t, err, out)
		}
		require.NoError(t, cp.SetClusterPolicyStrategy(ctx, "mixed"))
		setStrategy(t, config.MIGStrategyAuto)
	})

	for _, n := range []string{"gpu-a100-0", "gpu-h100-0"} {
		out, err := kubectlErr("label", "node", n, "nvidia.com/mig.config=all-balanced", "--overwrite")
		require.NoError(t, err, "all-balanced fits %s under mixed: %s", n, out)
		assert.NotContains(t, out, "Warning", n)
	}

	require.NoError(t, cp.SetClusterPolicyStrategy(ctx, "single"))
	effective(t, config.MIGStrategySingle)
	out, err := kubectlErr("label", "node", "gpu-h100-0", "nvidia.com/mig.config=all-disabled", "--overwrite")
	require.NoError(t, err, out)
	out, err = kubectlErr("label", "node", "gpu-h100-0", "nvidia.com/mig.config=all-balanced", "--overwrite")
	require.Error(t, err)
	assert.Contains(t, out, "MIG strategy single needs one MIG profile per node, and all-balanced has 3 (1g.10gb, 2g.20gb, 3g.40gb)")
	out, err = kubectlErr("label", "node", "gpu-h100-0", "nvidia.com/mig.config=all-1g.10gb", "--overwrite")
	require.NoError(t, err, "all-1g.10gb resolves to its H100-80GB entry: %s", out)
}
