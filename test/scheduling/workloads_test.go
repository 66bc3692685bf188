package scheduling

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// deployment renders a Deployment of replicas pods of one container with the
// given resource limits and pod annotations (YAML flow maps).
func deployment(name string, replicas int, limits, annotations string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: %[1]s, namespace: default}
spec:
  replicas: %[2]d
  selector: {matchLabels: {app: %[1]s}}
  template:
    metadata:
      labels: {app: %[1]s}
      annotations: {%[4]s}
    spec:
      containers:
        - name: main
          image: nvcr.io/nvidia/cuda:13.0.0-base-ubuntu24.04
          resources: {limits: {%[3]s}}
`, name, replicas, limits, annotations)
}

func pod(name, limits, annotations string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata:
  name: %[1]s
  namespace: default
  labels: {app: %[1]s}
  annotations: {%[3]s}
spec:
  containers:
    - name: main
      image: nvcr.io/nvidia/cuda:13.0.0-base-ubuntu24.04
      resources: {limits: {%[2]s}}
`, name, limits, annotations)
}

func TestCPUDeploymentRunsOnCPUNodeUntouched(t *testing.T) {
	before := podWebhookCalls(t)
	apply(t, deployment("cpu-app", 2, "cpu: 100m, memory: 64Mi", ""))
	eventually(t, "both cpu-app pods Running on cpu-0", func(ctx context.Context) (bool, string) {
		ps, err := pods(ctx, "default", "app=cpu-app")
		if err != nil {
			return false, err.Error()
		}
		return runningOn(ps, 2, "cpu-0"), placement(ps)
	})
	assert.Equal(t, before, podWebhookCalls(t), "no pod webhook call for pods that request no GPU")
	ps, err := pods(context.Background(), "default", "app=cpu-app")
	require.NoError(t, err)
	for _, p := range ps {
		assert.Nil(t, p.Spec.RuntimeClassName, p.Name)
		assert.Nil(t, p.Spec.Affinity, p.Name)
		for _, tol := range p.Spec.Tolerations {
			assert.NotEqual(t, "nvidia.com/gpu", tol.Key, "%s: gpuguard added no toleration", p.Name)
		}
	}
}

func TestGPUDeploymentLandsOnTheNodeWithEnoughMemory(t *testing.T) {
	apply(t, deployment("llm", 2, "nvidia.com/gpu: 1", "gpuguard.io/gpu-memory-min: 60Gi"))
	eventually(t, "both llm pods Running on gpu-h100-0 (80 GB H100s; the A100's are MIG slices)", func(ctx context.Context) (bool, string) {
		ps, err := pods(ctx, "default", "app=llm")
		if err != nil {
			return false, err.Error()
		}
		return runningOn(ps, 2, "gpu-h100-0"), placement(ps)
	})
}

func TestMIGPodLandsOnTheMIGNode(t *testing.T) {
	out := apply(t, pod("mig-job", "nvidia.com/mig-1g.5gb: 1", ""))
	assert.NotContains(t, out, "Warning")
	eventually(t, "mig-job Running on gpu-a100-0", func(ctx context.Context) (bool, string) {
		ps, err := pods(ctx, "default", "app=mig-job")
		if err != nil {
			return false, err.Error()
		}
		return runningOn(ps, 1, "gpu-a100-0"), placement(ps)
	})
}

func TestUnsatisfiableGPUPodWarnsAndStaysPending(t *testing.T) {
	out := apply(t, pod("b300-job", "nvidia.com/gpu: 1", "gpuguard.io/gpu-product: NVIDIA-B300"))
	assert.Contains(t, out, "no GPU node in the cluster can run this pod (it asks for product NVIDIA-B300); the cluster offers: ")
	assert.Contains(t, out, "NVIDIA-H100-80GB-HBM3")
	assert.Contains(t, out, "pod/b300-job created")
	var cond corev1.PodCondition
	eventually(t, "the scheduler reports b300-job unschedulable", func(ctx context.Context) (bool, string) {
		p, err := stack.Clientset.CoreV1().Pods("default").Get(ctx, "b300-job", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		i := slices.IndexFunc(p.Status.Conditions, func(c corev1.PodCondition) bool { return c.Type == corev1.PodScheduled })
		if i < 0 {
			return false, "no PodScheduled condition yet"
		}
		cond = p.Status.Conditions[i]
		return cond.Status == corev1.ConditionFalse && cond.Reason == corev1.PodReasonUnschedulable, fmt.Sprintf("%+v", cond)
	})
	assert.Contains(t, cond.Message, "didn't match Pod's node affinity/selector", "the scheduler's reason")
	p, err := stack.Clientset.CoreV1().Pods("default").Get(context.Background(), "b300-job", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, corev1.PodPending, p.Status.Phase)
	assert.Empty(t, p.Spec.NodeName)
}
