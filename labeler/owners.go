package labeler

import (
	"encoding/json"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// owners says which field managers own which labels and annotations of a
// Node, read from its managedFields.
type owners struct {
	// ours are the keys the labeler's own apply owns.
	ours map[string]bool
	// others maps a key to another manager that owns it.
	others map[string]string
}

// Keys in owners are "l:<label>" and "a:<annotation>".
func labelKey(k string) string      { return "l:" + k }
func annotationKey(k string) string { return "a:" + k }

// ownersOf reads the managedFields of node. An entry it cannot decode is
// skipped: it can only make the labeler more careful, never less, because
// a key with an unknown owner is treated as nobody's.
func ownersOf(node *corev1.Node) owners {
	o := owners{ours: map[string]bool{}, others: map[string]string{}}
	for _, mf := range node.ManagedFields {
		if mf.FieldsV1 == nil {
			continue
		}
		var fields struct {
			Metadata struct {
				Labels      map[string]json.RawMessage `json:"f:labels"`
				Annotations map[string]json.RawMessage `json:"f:annotations"`
			} `json:"f:metadata"`
		}
		if json.Unmarshal(mf.FieldsV1.GetRawBytes(), &fields) != nil {
			continue
		}
		ours := mf.Manager == FieldManager && mf.Operation == metav1.ManagedFieldsOperationApply
		add := func(k string) {
			if ours {
				o.ours[k] = true
			} else if _, seen := o.others[k]; !seen {
				o.others[k] = mf.Manager
			}
		}
		for k := range fields.Metadata.Labels {
			if name, ok := strings.CutPrefix(k, "f:"); ok {
				add(labelKey(name))
			}
		}
		for k := range fields.Metadata.Annotations {
			if name, ok := strings.CutPrefix(k, "f:"); ok {
				add(annotationKey(name))
			}
		}
	}
	return o
}
