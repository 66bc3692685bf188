package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/gpuguard/gpuguard/config/vocab"
	"github.com/gpuguard/gpuguard/test/harness"
	"github.com/gpuguard/gpuguard/webhooks/admit"
)

// A GPU pod with 12,000 junk gpuguard.io/ annotations and a malformed
// compute-capability-min, and a Node patch with 20,000 unknown deploy
// labels, are refused through the API server with a bounded message (issue
// 11: the quadratic message timed the webhook out, and the pod, under the
// pod webhooks' Ignore, was created unmutated).
func TestManyViolationsRefusedThroughTheAPIServer(t *testing.T) {
	ctx := context.Background()
	const annotations = 12_000 // short keys: all annotations together stay under the API server's 256 KiB
	ann := map[string]string{"gpuguard.io/compute-capability-min": "eight"}
	for i := range annotations {
		ann[fmt.Sprintf("gpuguard.io/j%d", i)] = "x"
	}
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "junk-annotations", Namespace: "default", Annotations: ann},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "nvcr.io/nvidia/cuda:13.0.0-base-ubuntu24.04",
			Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{"nvidia.com/gpu": resource.MustParse("1")}}}}},
	}
	start := time.Now()
	_, err := cp.Clientset.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{})
	elapsed := time.Since(start)
	require.Error(t, err, "the pod must not be created")
	t.Logf("pod with %d junk annotations: answered after %s, %d-byte message", annotations, elapsed.Round(time.Millisecond), len(err.Error()))
	assert.True(t, apierrors.IsForbidden(err), "403, not a webhook timeout: %.300s", err)
	assert.Contains(t, err.Error(), `admission webhook "pods.gpuguard.io" denied the request`)
	assert.Contains(t, err.Error(), fmt.Sprintf(", and %d more]", annotations+1-admit.MaxListed))

	const labels = 20_000
	add := map[string]any{}
	for i := range labels {
		add[fmt.Sprintf("%sjunk-%d", vocab.DeployPrefix, i)] = "true"
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"labels": add}})
	require.NoError(t, err)
	start = time.Now()
	_, err = cp.Clientset.CoreV1().Nodes().Patch(ctx, "gpu-h100-0", types.MergePatchType, patch, metav1.PatchOptions{})
	elapsed = time.Since(start)
	require.Error(t, err, "the labels must not be written")
	t.Logf("node patch with %d unknown deploy labels: answered after %s, %d-byte message", labels, elapsed.Round(time.Millisecond), len(err.Error()))
	assert.True(t, apierrors.IsForbidden(err), "403, not a webhook timeout: %.300s", err)
	assert.Contains(t, err.Error(), "unknown GPU component")
	assert.Contains(t, err.Error(), fmt.Sprintf(", and %d more]", labels-admit.MaxListed))
	assert.NotContains(t, node(t, "gpu-h100-0").Labels, vocab.DeployPrefix+"junk-0")
}

// The webhook's service account reads no ConfigMap outside what the chart
// grants by name (issue 11: it read kube-system/extension-apiserver-
// authentication through a cluster-wide grant).
func TestWebhookReadsNoOtherConfigMaps(t *testing.T) {
	ctx := context.Background()
	cs, err := kubernetes.NewForConfig(cp.Impersonate("system:serviceaccount:"+harness.Namespace+":"+harness.Release+"-webhook",
		[]string{"system:serviceaccounts", "system:serviceaccounts:" + harness.Namespace, "system:authenticated"}, nil))
	require.NoError(t, err)
	_, err = cp.Clientset.CoreV1().ConfigMaps("kube-system").Get(ctx, "extension-apiserver-authentication", metav1.GetOptions{})
	require.NoError(t, err, "the ConfigMap exists (the admin reads it)")
	_, err = cs.CoreV1().ConfigMaps("kube-system").Get(ctx, "extension-apiserver-authentication", metav1.GetOptions{})
	assert.True(t, apierrors.IsForbidden(err), "get: %v", err)
	_, err = cs.CoreV1().ConfigMaps("").List(ctx, metav1.ListOptions{})
	assert.True(t, apierrors.IsForbidden(err), "list across namespaces: %v", err)
}
