package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gpuguard/gpuguard/config"
)

// kubectlErr runs kubectl and returns its combined output and whether it failed.
func kubectlErr(args ...string) (string, error) {
	out, err := exec.Command(cp.Kubectl, append([]string{"--kubeconfig", cp.Kubeconfig}, args...)...).CombinedOutput()
	return string(out), err
}

func asLabeler(node string) []string {
	return []string{"--as=system:serviceaccount:gpuguard:gpuguard-labeler",
		"--as-group=system:serviceaccounts", "--as-group=system:serviceaccounts:gpuguard",
		"--as-user-extra=authentication.kubernetes.io/node-name=" + node}
}

func TestNodeWebhookWithKubectl(t *testing.T) {
	tests := map[string]struct {
		args []string
		want string // "" = allowed; else a substring of kubectl's error
	}{
		"a person keeps dcgm-exporter off": {
			args: []string{"label", "node", "gpu-h100-0", "nvidia.com/gpu.deploy.dcgm-exporter=false", "--overwrite"},
		},
		"wrong case": {
			args: []string{"label", "node", "gpu-h100-0", "nvidia.com/gpu.deploy.dcgm-exporter=False", "--overwrite"},
			want: `values are case-sensitive: use "false", not "False"`,
		},
		"typo in the component": {
			args: []string{"label", "node", "gpu-h100-0", "nvidia.com/gpu.deploy.dcgm-exporer=false"},
			want: "did you mean dcgm-exporter?",
		},
		"a person edits a fact": {
			args: []string{"label", "node", "gpu-h100-0", "nvidia.com/gpu.product=x", "--overwrite"},
			want: "nvidia.com/gpu.product is discovered from the hardware by the gpuguard labeler and cannot be edited",
		},
		"the labeler writes its own node": {
			args: append(asLabeler("gpu-h100-0"), "label", "node", "gpu-h100-0", "nvidia.com/gfd.timestamp=1764200000", "--overwrite"),
		},
		"the labeler writes another node": {
			args: append(asLabeler("gpu-h100-0"), "label", "node", "gpu-a100-0", "nvidia.com/gfd.timestamp=1764200000", "--overwrite"),
			want: "the gpuguard labeler may write only the node it runs on (its token's authentication.kubernetes.io/node-name is gpu-h100-0), not gpu-a100-0",
		},
		"a MIG profile the A100 lacks": {
			args: []string{"label", "node", "gpu-a100-0", "nvidia.com/mig.config=all-7g.80gb", "--overwrite"},
			want: "MIG profile 7g.80gb is not supported by the GPUs of node gpu-a100-0",
		},
		"a MIG profile the A100 has": {
			args: []string{"label", "node", "gpu-a100-0", "nvidia.com/mig.config=all-3g.20gb", "--overwrite"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			for _, dryRun := range []bool{true, false} {
				args := tc.args
				if dryRun {
					args = append(append([]string{}, args...), "--dry-run=server")
				}
				before := node(t, args[indexOf(args, "node")+1])
				out, err := kubectlErr(args...)
				if tc.want == "" {
					require.NoError(t, err, out)
				} else {
					require.Error(t, err, out)
					assert.Contains(t, out, tc.want)
					if strings.Contains(tc.want, "the gpuguard labeler may write only") {
						// Confining the labeler is the chart's ValidatingAdmissionPolicy's job.
						assert.Contains(t, out, "ValidatingAdmissionPolicy 'gpuguard-labeler-own-node'")
					} else {
						assert.Contains(t, out, `admission webhook "nodes.gpuguard.io" denied the request: nodes "`)
						assert.Contains(t, out, "is forbidden: gpuguard node rules: ")
					}
				}
				if dryRun || tc.want != "" {
					after := node(t, before.Name)
					assert.Equal(t, before.Labels, after.Labels, "dry run=%v: nothing changes", dryRun)
				}
			}
		})
	}
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// Kubelet heartbeats and edits of other labels never reach the webhook.
func TestNodeWebhookSkipsUnrelatedUpdates(t *testing.T) {
	ctx := context.Background()
	nodes := cp.Clientset.CoreV1().Nodes()
	before := webhookRequests(t, config.PathValidateNodes)
	for i := range 200 {
		n, err := nodes.Get(ctx, "cpu-0", metav1.GetOptions{})
		require.NoError(t, err)
		n.Status.Conditions = []corev1.NodeCondition{{
			Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
			LastHeartbeatTime: metav1.NewTime(time.Now()), Message: fmt.Sprintf("heartbeat %d", i),
		}}
		_, err = nodes.UpdateStatus(ctx, n, metav1.UpdateOptions{})
		require.NoError(t, err)
	}
	for i := range 200 {
		patch := fmt.Sprintf(`{"metadata":{"labels":{"example.com/build":"b%d"}}}`, i)
		_, err := nodes.Patch(ctx, "gpu-h100-0", "application/merge-patch+json", []byte(patch), metav1.PatchOptions{})
		require.NoError(t, err)
	}
	assert.Equal(t, before, webhookRequests(t, config.PathValidateNodes), "400 unrelated writes, zero webhook calls")
	out := kubectl(t, "get", "node", "gpu-h100-0", "-o", "jsonpath={.metadata.labels.example\\.com/build}")
	assert.Equal(t, "b199", strings.TrimSpace(out))
}
