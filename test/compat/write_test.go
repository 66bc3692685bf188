package compat

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// The simulated fleet's GPU nodes (harness.DefaultFleet): an A100 with MIG
// and an H100 without.
const (
	migNode   = "gpu-a100-0"
	plainNode = "gpu-h100-0"
)

var gpuNodes = []string{migNode, plainNode}

const deploy = "nvidia.com/gpu.deploy."

// write is one replayed write: who sends what, how.
type write struct {
	component string
	patch     types.PatchType // "" = a full Update
	client    kubernetes.Interface
	node      string
	labels    map[string]any // nil value removes
	mutate    func(*corev1.Node)
}

// send replays the write and returns the API server's answer, logged for
// the record.
func (w write) send(t *testing.T) error {
	t.Helper()
	ctx := context.Background()
	kind := string(w.patch)
	var err error
	switch {
	case w.patch == "":
		kind = "update"
		var n *corev1.Node
		if n, err = w.client.CoreV1().Nodes().Get(ctx, w.node, metav1.GetOptions{}); err == nil {
			if n.Labels == nil {
				n.Labels = map[string]string{}
			}
			for k, v := range w.labels {
				if v == nil {
					delete(n.Labels, k)
				} else {
					n.Labels[k] = v.(string)
				}
			}
			if w.mutate != nil {
				w.mutate(n)
			}
			_, err = w.client.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{})
		}
	case w.patch == types.JSONPatchType:
		var ops []map[string]any
		for k, v := range w.labels {
			path := "/metadata/labels/" + strings.ReplaceAll(k, "/", "~1")
			if v == nil {
				ops = append(ops, map[string]any{"op": "remove", "path": path})
			} else {
				ops = append(ops, map[string]any{"op": "add", "path": path, "value": v})
			}
		}
		err = w.patchWith(ctx, ops)
	case w.mutate != nil:
		// k8s-cc-manager's Python client sends the whole Node it read as a
		// strategic merge patch (patch_node(name, node)).
		var n *corev1.Node
		if n, err = w.client.CoreV1().Nodes().Get(ctx, w.node, metav1.GetOptions{}); err == nil {
			w.mutate(n)
			err = w.patchWith(ctx, n)
		}
	default:
		err = w.patchWith(ctx, map[string]any{"metadata": map[string]any{"labels": w.labels}})
	}
	result := "admitted"
	if err != nil {
		result = "refused: " + err.Error()
	}
	what := any(w.labels)
	if len(w.labels) > 20 {
		what = fmt.Sprintf("%d labels", len(w.labels))
	}
	t.Logf("%s %s patch on %s %v: %s", w.component, kind, w.node, what, result)
	return err
}

func (w write) patchWith(ctx context.Context, body any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	_, err = w.client.CoreV1().Nodes().Patch(ctx, w.node, w.patch, raw, metav1.PatchOptions{})
	return err
}

// labelsOf reads a node's labels as the admin.
func labelsOf(t *testing.T, node string) map[string]string {
	t.Helper()
	n, err := stack.Clientset.CoreV1().Nodes().Get(context.Background(), node, metav1.GetOptions{})
	require.NoError(t, err)
	return n.Labels
}

// admitted and refused replay a write and check the answer.
func admitted(t *testing.T, w write) {
	t.Helper()
	require.NoError(t, w.send(t), "%s's write must be admitted", w.component)
}

func refused(t *testing.T, w write, want ...string) {
	t.Helper()
	err := w.send(t)
	require.Error(t, err, "%s's write must be refused", w.component)
	for _, s := range want {
		require.Contains(t, err.Error(), s)
	}
}
