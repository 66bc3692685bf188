package node

import (
	"slices"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gpuguard/gpuguard/config/vocab"
)

// NodeNameExtra is the token extra naming the node a pod runs on.
const NodeNameExtra = vocab.NodeNameExtra

// labelMIGConfig is the MIG manager's request label.
const labelMIGConfig = vocab.LabelMIGConfig

// change is one judged key a request changes.
type change struct {
	key        string
	annotation bool
	vocab.Change
}

func (c change) path() *field.Path {
	if c.annotation {
		return annotationsPath.Key(c.key)
	}
	return labelsPath.Key(c.key)
}

// judgedChanges lists, sorted, the judged labels and annotations whose
// value differs. Absent and "" are the same value: the GPU Operator treats
// "" as absent, and its managers stamp "" on labels they find absent.
func judgedChanges(old, cur Meta) []change {
	var out []change
	out = appendChanges(out, old.Labels, cur.Labels, false, vocab.IsJudgedLabel)
	out = appendChanges(out, old.Annotations, cur.Annotations, true, vocab.IsJudgedAnnotation)
	slices.SortFunc(out, func(a, b change) int {
		if a.annotation != b.annotation {
			if a.annotation {
				return 1
			}
			return -1
		}
		if a.key < b.key {
			return -1
		}
		if a.key > b.key {
			return 1
		}
		return 0
	})
	return out
}

func appendChanges(out []change, old, cur map[string]string, annotation bool, judged func(string) bool) []change {
	for k, v := range cur {
		if ov := old[k]; ov != v && judged(k) {
			_, had := old[k]
			out = append(out, change{key: k, annotation: annotation, Change: vocab.Change{Old: ov, Had: had, New: v, Has: true}})
		}
	}
	for k, ov := range old {
		if _, ok := cur[k]; !ok && ov != "" && judged(k) {
			out = append(out, change{key: k, annotation: annotation, Change: vocab.Change{Old: ov, Had: true}})
		}
	}
	return out
}

// keyChanged reports whether key was added, removed or changed its value.
func keyChanged(old, cur map[string]string, key string) bool {
	ov, had := old[key]
	nv, has := cur[key]
	return had != has || ov != nv
}
