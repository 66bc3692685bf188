package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// GPUTaint is the taint GPU nodes register with (kubelet
// --register-with-taints, or a cloud's GPU node pool), so that only pods that
// tolerate it, the ones gpuguard mutates, land there.
var GPUTaint = corev1.Taint{Key: "nvidia.com/gpu", Effect: corev1.TaintEffectNoSchedule}

// registerAsKubelet makes node what a kubelet registers: kwok's annotation,
// the base capacity, and the GPU taint on a GPU node. The GPUs themselves
// appear later, when the device plugin reports them (ReportDevices).
func registerAsKubelet(node *corev1.Node, gpu bool) {
	node.Annotations = map[string]string{KwokAnnotation: "fake"}
	if gpu {
		node.Spec.Taints = []corev1.Taint{GPUTaint}
	}
	node.Status.Capacity = nodeResources(nil)
	node.Status.Allocatable = nodeResources(nil)
}

// ReportDevices sets a node's capacity and allocatable to the base plus gpus,
// as the kubelet does once the device plugin has registered its resources.
func (cp *ControlPlane) ReportDevices(ctx context.Context, node string, gpus corev1.ResourceList) error {
	all := nodeResources(gpus)
	patch, err := json.Marshal(map[string]any{"status": map[string]any{"capacity": all, "allocatable": all}})
	if err != nil {
		return fmt.Errorf("encoding the device report: %w", err)
	}
	if _, err := cp.Clientset.CoreV1().Nodes().PatchStatus(ctx, node, patch); err != nil {
		return fmt.Errorf("reporting the devices of node %s: %w", node, err)
	}
	return nil
}

// WaitNodesReady waits up to two minutes until every named node is Ready and
// schedulable: the node lifecycle controller has removed the not-ready taint
// the API server registers new nodes with.
func (cp *ControlPlane) WaitNodesReady(ctx context.Context, names ...string) error {
	var last string
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		for _, name := range names {
			n, err := cp.Clientset.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				last = err.Error()
				return false, nil //nolint:nilerr // keep polling through transient errors
			}
			if !IsReady(n) {
				last = "node " + name + " is not Ready"
				return false, nil
			}
			if i := slices.IndexFunc(n.Spec.Taints, func(t corev1.Taint) bool { return t.Key == corev1.TaintNodeNotReady }); i >= 0 {
				last = "node " + name + " still has the taint " + n.Spec.Taints[i].ToString()
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("nodes never became Ready (%s); see kwok.log and kube-controller-manager.log: %w", last, err)
	}
	return nil
}

// IsReady reports whether a node's Ready condition is True.
func IsReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
