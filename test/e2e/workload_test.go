package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gpuguard/gpuguard/config"
)

// kubectlApply applies a manifest from stdin and returns kubectl's output.
func kubectlApply(manifest string, args ...string) (string, error) {
	cmd := exec.Command(cp.Kubectl, append([]string{"--kubeconfig", cp.Kubeconfig, "apply", "-f", "-"}, args...)...)
	cmd.Stdin = strings.NewReader(manifest)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func gpuPodManifest(name, resource, annotations string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata:
  name: %s
  namespace: default
  annotations: {%s}
spec:
  containers:
    - name: main
      image: nvcr.io/nvidia/cuda:13.0.0-base-ubuntu24.04
      resources:
        limits: {%s: 1}
`, name, annotations, resource)
}

func getPod(t *testing.T, name string) *corev1.Pod {
	t.Helper()
	p := &corev1.Pod{}
	require.NoError(t, cp.Client.Get(context.Background(), client.ObjectKey{Namespace: "default", Name: name}, p))
	return p
}

func matches(t *testing.T, p *corev1.Pod, nodeName string) bool {
	t.Helper()
	ok, err := corev1helpers.MatchNodeSelectorTerms(node(t, nodeName), p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution)
	require.NoError(t, err)
	return ok
}

func TestGPUPodIsMutated(t *testing.T) {
	out, err := kubectlApply(gpuPodManifest("gpu-pod", "nvidia.com/gpu", ""))
	require.NoError(t, err, out)
	p := getPod(t, "gpu-pod")
	require.NotNil(t, p.Spec.RuntimeClassName)
	assert.Equal(t, "nvidia", *p.Spec.RuntimeClassName)
	assert.Contains(t, p.Spec.Tolerations, corev1.Toleration{Key: "nvidia.com/gpu", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule})
	assert.True(t, matches(t, p, "gpu-h100-0"))
	assert.False(t, matches(t, p, "cpu-0"), "gpu.present In [true] keeps it off CPU nodes")

	// An A100 40GB node without MIG, so that it has full-GPU memory facts.
	startLabeler(t, "e2e-a100-40gb", "dgxa100", "mixed")
	out, err = kubectlApply(gpuPodManifest("big-gpu-pod", "nvidia.com/gpu", "gpuguard.io/gpu-memory-min: 60Gi"))
	require.NoError(t, err, out)
	big := getPod(t, "big-gpu-pod")
	assert.True(t, matches(t, big, "gpu-h100-0"), "80 GB H100")
	assert.False(t, matches(t, big, "e2e-a100-40gb"), "40 GB A100")
}

func TestUnsatisfiablePodWarns(t *testing.T) {
	out, err := kubectlApply(gpuPodManifest("b300-pod", "nvidia.com/gpu", "gpuguard.io/gpu-product: NVIDIA-B300"))
	require.NoError(t, err, out)
	assert.Contains(t, out, "Warning: gpuguard: spec: no GPU node in the cluster can run this pod (it asks for product NVIDIA-B300); the cluster offers: ")
	assert.Contains(t, out, "NVIDIA-H100-80GB-HBM3 (hopper, 81920 MiB, compute 9.0, CUDA 12.4")
	assert.Contains(t, out, "pod/b300-pod created")
}

func TestMalformedAnnotationRefused(t *testing.T) {
	out, err := kubectlApply(gpuPodManifest("bad-pod", "nvidia.com/gpu", "gpuguard.io/compute-capability-min: '9'"))
	require.Error(t, err)
	assert.Contains(t, out, "want <major>.<minor>, e.g. 8.6")
}

func TestCPUPodNeverReachesWebhooks(t *testing.T) {
	before := webhookRequests(t, config.PathMutatePods) + webhookRequests(t, config.PathValidatePods)
	manifest := `apiVersion: v1
kind: Pod
metadata: {name: cpu-pod, namespace: default}
spec:
  containers:
    - name: main
      image: busybox
      resources: {limits: {cpu: 100m}}
`
	out, err := kubectlApply(manifest)
	require.NoError(t, err, out)
	assert.Equal(t, before, webhookRequests(t, config.PathMutatePods)+webhookRequests(t, config.PathValidatePods))
	p := getPod(t, "cpu-pod")
	assert.Nil(t, p.Spec.RuntimeClassName)
	assert.Nil(t, p.Spec.Affinity)
	for _, tol := range p.Spec.Tolerations {
		assert.NotEqual(t, "nvidia.com/gpu", tol.Key, "gpuguard added no toleration")
	}
}

// setStrategy rewrites the policy file and waits for the webhook to reload it.
func setStrategy(t *testing.T, s config.MIGStrategy) {
	t.Helper()
	require.NoError(t, os.WriteFile(cp.Dir+"/policy.yaml", []byte("migStrategy: "+string(s)+"\n"), 0o600))
	require.NoError(t, wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 30*time.Second, true,
		func(context.Context) (bool, error) {
			return stack.Webhook.Server.Policy().Current().MIGStrategy == s, nil
		}))
}

func TestMIGPodsFollowTheStrategy(t *testing.T) {
	out, err := kubectlApply(gpuPodManifest("mig-pod", "nvidia.com/mig-1g.5gb", ""))
	require.NoError(t, err, out)
	assert.NotContains(t, out, "Warning", "the A100 node offers 1g.5gb")

	setStrategy(t, config.MIGStrategySingle)
	t.Cleanup(func() { setStrategy(t, config.MIGStrategyAuto) })
	out, err = kubectlApply(gpuPodManifest("mig-pod-2", "nvidia.com/mig-1g.5gb", ""))
	require.Error(t, err)
	assert.Contains(t, out, "nvidia.com/mig-1g.5gb is advertised only with MIG strategy mixed; this cluster uses single (gpuguard policy migStrategy), where MIG devices are requested as nvidia.com/gpu")
}

const dcgmExporter = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: %s
  namespace: gpu-operator
  labels: {gpuguard.io/component: %s}
spec:
  selector: {matchLabels: {app: %s}}
  template:
    metadata: {labels: {app: %s}}
    spec:
      containers:
        - name: main
          image: nvcr.io/nvidia/k8s/dcgm-exporter:4.4.1
          env: [{name: MIG_STRATEGY, value: %s}]
`

func daemonSet(name, component, strategy string) string {
	return fmt.Sprintf(dcgmExporter, name, component, name, name, strategy)
}

func TestComponentDaemonSet(t *testing.T) {
	ctx := context.Background()
	kubectl(t, "create", "namespace", "gpu-operator")
	out, err := kubectlApply(daemonSet("dcgm-exporter", "dcgm-exporter", "mixed"))
	require.NoError(t, err, out)
	ds := &appsv1.DaemonSet{}
	require.NoError(t, cp.Client.Get(ctx, client.ObjectKey{Namespace: "gpu-operator", Name: "dcgm-exporter"}, ds))
	spec := ds.Spec.Template.Spec
	require.NotNil(t, spec.Affinity)
	assert.Equal(t, []corev1.NodeSelectorRequirement{{Key: "nvidia.com/gpu.deploy.dcgm-exporter", Operator: corev1.NodeSelectorOpIn, Values: []string{"true"}}},
		spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchExpressions)
	assert.Equal(t, "nvidia", *spec.RuntimeClassName)
	generation := ds.Generation

	out, err = kubectlApply(daemonSet("dcgm-exporter", "dcgm-exporter", "mixed"))
	require.NoError(t, err, out)
	assert.Contains(t, out, "unchanged")
	require.NoError(t, cp.Client.Get(ctx, client.ObjectKey{Namespace: "gpu-operator", Name: "dcgm-exporter"}, ds))
	assert.Equal(t, generation, ds.Generation, "re-applying starts no rollout")

	out, err = kubectlApply(daemonSet("exporter-typo", "dcgm-exporer", "mixed"))
	require.Error(t, err)
	assert.Contains(t, out, `unknown GPU component "dcgm-exporer"; did you mean dcgm-exporter?`)

	out, err = kubectlApply(daemonSet("plugin", "device-plugin", "single"))
	require.Error(t, err)
	assert.Contains(t, out, `MIG_STRATEGY must be this cluster's MIG strategy "mixed"`)
}
