package harness

import (
	"context"
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
	nodev1 "k8s.io/api/node/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// FakeNode is one simulated node: a Node object plus, for GPU nodes, the
// go-nvml mock server the labeler reads (the labeler's --simulate syntax).
type FakeNode struct {
	Name string
	// Simulate is the labeler's --simulate value; "" means no GPU.
	Simulate string
	// Labels are further labels the Node is created with.
	Labels map[string]string
	// Kubelet makes kwok play the node's kubelet: it registers with its
	// capacity (and, for a GPU node, the nvidia.com/gpu:NoSchedule taint),
	// turns Ready and runs the pods bound to it. Without it the node stays
	// NotReady, as one whose kubelet never started.
	Kubelet bool
}

// DefaultFleet is the simulated fleet of the local stack and `make run`.
func DefaultFleet() []FakeNode {
	return []FakeNode{
		{Name: "gpu-h100-0", Simulate: "dgxh100", Kubelet: true},
		{Name: "gpu-a100-0", Simulate: "dgxa100,mig=1g.5gb", Kubelet: true},
		{Name: "cpu-0", Kubelet: true},
	}
}

// CreateNodes creates a Node object for each fake node, as its kubelet
// registers it (see registerAsKubelet). Existing nodes are left as they are.
func (cp *ControlPlane) CreateNodes(ctx context.Context, fleet []FakeNode) error {
	for _, n := range fleet {
		node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{
			Name:   n.Name,
			Labels: map[string]string{corev1.LabelHostname: n.Name, corev1.LabelOSStable: "linux", corev1.LabelArchStable: "amd64"},
		}}
		maps.Copy(node.Labels, n.Labels)
		if n.Kubelet {
			registerAsKubelet(node, n.Simulate != "")
		}
		if err := cp.Client.Create(ctx, node); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating node %s: %w", n.Name, err)
		}
	}
	return nil
}

// CreateRuntimeClass creates the RuntimeClass a GPU Operator install has.
func (cp *ControlPlane) CreateRuntimeClass(ctx context.Context, name string) error {
	rc := &nodev1.RuntimeClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Handler: name}
	if err := cp.Client.Create(ctx, rc); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating RuntimeClass %s: %w", name, err)
	}
	return nil
}
