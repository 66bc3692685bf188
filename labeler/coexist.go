package labeler

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/gpuguard/gpuguard/config/vocab"
)

// Where the node's GPU facts come from (--facts-from).
const (
	// FactsFromAuto writes the facts unless GFD maintains them on the node.
	FactsFromAuto = "auto"
	// FactsFromSelf always writes the facts: clusters without GFD.
	FactsFromSelf = "self"
	// FactsFromGFD never writes what GFD writes.
	FactsFromGFD = "gfd"
)

// nfdFeatureLabels is the annotation in which nfd-master lists the labels
// it manages on a node, optionally prefixed "<instance>." (FeatureLabelsAnnotation
// in kubernetes-sigs/node-feature-discovery api/nfd/v1alpha1/annotations_labels.go;
// written by updateNodeObject in pkg/nfd-master/nfd-master.go). Labels outside
// NFD's own namespace, such as GFD's nvidia.com/ ones, are listed in full.
const nfdFeatureLabels = "nfd.node.kubernetes.io/feature-labels"

// nfdManager is the field manager name of nfd-master's JSON patches: the
// API server names a manager after the client's user agent, and nfd-master
// sends none of its own.
const nfdManager = "nfd-master"

// gfdMaintains reports whether GFD (through nfd-master) maintains the
// node's nvidia.com/ GPU facts: nfd-master lists one of them in its
// feature-labels annotation, or owns one in managedFields.
func (w *NodeWriter) gfdMaintains(node *corev1.Node, own owners) bool {
	switch w.FactsFrom {
	case FactsFromSelf:
		return false
	case FactsFromGFD:
		return true
	}
	return len(gfdListed(node)) > 0 || nfdOwnsFacts(own)
}

// gfdListed returns the GPU fact labels nfd-master says it manages.
func gfdListed(node *corev1.Node) map[string]bool {
	out := map[string]bool{}
	for k, v := range node.Annotations {
		if k != nfdFeatureLabels && !strings.HasSuffix(k, "."+nfdFeatureLabels) {
			continue
		}
		for _, l := range strings.Split(v, ",") {
			if isGFDFact(l) {
				out[l] = true
			}
		}
	}
	return out
}

func nfdOwnsFacts(own owners) bool {
	for k, m := range own.others {
		if name, ok := strings.CutPrefix(k, "l:"); ok && strings.HasPrefix(m, nfdManager) && isGFDFact(name) {
			return true
		}
	}
	return false
}

// isGFDFact reports whether GFD writes this label: nvidia.com/ facts other
// than gpu.present (the operator's and ours) and the deploy labels.
func isGFDFact(k string) bool {
	return strings.HasPrefix(k, vocab.LabelPrefix) && k != vocab.LabelGPUPresent && !strings.HasPrefix(k, vocab.DeployPrefix)
}

// release gives up the labeler's ownership of the fact labels GFD now
// maintains, without removing them: when the labeler wrote the facts
// before GFD came, dropping them from the apply would delete them until
// nfd-master's next pass. It drops the labeler's managedFields entry (the
// documented way to let go of fields) and removes, in the same request, the
// owned facts GFD does not write. The following apply owns only what it
// applies. It reports whether it wrote.
func (w *NodeWriter) release(ctx context.Context, node *corev1.Node, own owners, desired Labels) (bool, error) {
	listed := gfdListed(node)
	var keep, drop []string
	for k := range own.ours {
		name, ok := strings.CutPrefix(k, "l:")
		if !ok || !isGFDFact(name) {
			continue
		}
		if _, wanted := desired[name]; wanted {
			continue
		}
		if listed[name] || (own.others[k] != "" && strings.HasPrefix(own.others[k], nfdManager)) {
			keep = append(keep, name)
		} else {
			drop = append(drop, name)
		}
	}
	if len(keep) == 0 {
		return false, nil // nothing GFD maintains is ours: the apply removes the rest
	}
	var entries []metav1.ManagedFieldsEntry
	for _, mf := range node.ManagedFields {
		if mf.Manager != FieldManager || mf.Operation != metav1.ManagedFieldsOperationApply {
			entries = append(entries, mf)
		}
	}
	if len(entries) == 0 {
		entries = []metav1.ManagedFieldsEntry{{}} // [] would mean "unchanged"
	}
	var ops []map[string]any
	if node.ResourceVersion != "" {
		// Only if nobody wrote since we read: their fields must not be lost.
		ops = append(ops, map[string]any{"op": "test", "path": "/metadata/resourceVersion", "value": node.ResourceVersion})
	}
	ops = append(ops, map[string]any{"op": "replace", "path": "/metadata/managedFields", "value": entries})
	for _, k := range drop {
		ops = append(ops, map[string]any{"op": "remove", "path": "/metadata/labels/" + jsonPointerEscape(k)})
	}
	data, err := json.Marshal(ops)
	if err != nil {
		return false, fmt.Errorf("encoding release patch: %w", err)
	}
	if _, err := w.Client.CoreV1().Nodes().Patch(ctx, w.NodeName, types.JSONPatchType, data,
		metav1.PatchOptions{FieldManager: FieldManager}); err != nil {
		return false, fmt.Errorf("handing the GPU facts of node %s over to GFD: %w", w.NodeName, err)
	}
	w.log().Info("GFD maintains this node's GPU facts; left them to it", "node", w.NodeName, "kept", len(keep), "removed", drop)
	return true, nil
}

func jsonPointerEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}
