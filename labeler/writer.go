package labeler

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/client-go/kubernetes"
)

// FieldManager is the server-side apply field manager of the labeler.
const FieldManager = "gpuguard-labeler"

// NodeWriter keeps the labeler's labels and annotations on one Node with
// server-side apply: what it stops producing is removed because it owns
// it, what other managers own is never touched, and nothing is written
// when the Node already says what it should.
type NodeWriter struct {
	Client   kubernetes.Interface
	NodeName string
}

// Apply makes the Node carry f. It reports whether it wrote.
func (w *NodeWriter) Apply(ctx context.Context, f *Facts) (bool, error) {
	node, err := w.Client.CoreV1().Nodes().Get(ctx, w.NodeName, metav1.GetOptions{})
	if err != nil {
		return false, fmt.Errorf("reading node %s: %w", w.NodeName, err)
	}
	owned, err := corev1ac.ExtractNode(node, FieldManager)
	if err != nil {
		return false, fmt.Errorf("reading what %s owns on node %s: %w", FieldManager, w.NodeName, err)
	}
	labels := maps.Clone(f.Labels)
	for k, v := range f.Deploy {
		_, ours := owned.Labels[k]
		// Deploy defaults fill gaps only: a value set by a person or the
		// operator (which then owns it) is never overwritten. "" counts as
		// absent (SPEC §1.2).
		if ours || node.Labels[k] == "" {
			labels[k] = v
		}
	}
	if upToDate(node.Labels, owned.Labels, labels) && upToDate(node.Annotations, owned.Annotations, f.Annotations) {
		return false, nil
	}
	desired := corev1ac.Node(w.NodeName).WithLabels(labels).WithAnnotations(f.Annotations)
	data, err := json.Marshal(desired)
	if err != nil {
		return false, fmt.Errorf("encoding apply patch: %w", err)
	}
	// Force: fact labels belong to the labeler; if someone else wrote one
	// (with the webhook off), the hardware's answer wins.
	force := true
	_, err = w.Client.CoreV1().Nodes().Patch(ctx, w.NodeName, types.ApplyPatchType, data,
		metav1.PatchOptions{FieldManager: FieldManager, Force: &force})
	if err != nil {
		return false, fmt.Errorf("applying labels to node %s: %w", w.NodeName, err)
	}
	return true, nil
}

// upToDate is true when we own exactly the desired keys and the object
// carries the desired values.
func upToDate(actual, owned, desired map[string]string) bool {
	if len(owned) != len(desired) {
		return false
	}
	for k, v := range desired {
		if _, ok := owned[k]; !ok || actual[k] != v {
			return false
		}
	}
	return true
}
