package labeler

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/gpuguard/gpuguard/config/vocab"
)

// FieldManager is the server-side apply field manager of the labeler.
const FieldManager = "gpuguard-labeler"

// NodeWriter keeps the labeler's labels and annotations on one Node with
// server-side apply: what it stops producing is removed because it owns
// it, what other managers own is never touched or taken over (no force),
// and nothing is written when the Node already says what it should.
type NodeWriter struct {
	Client   kubernetes.Interface
	NodeName string
	// FactsFrom is FactsFromAuto (default), FactsFromSelf or FactsFromGFD.
	FactsFrom string
	// Metrics count keys left to other writers; nil counts nothing.
	Metrics *Metrics
	Log     logr.Logger

	// left maps each key left to another writer to that writer, so that
	// each is logged and counted once.
	left map[string]string
}

// Apply makes the Node carry f. It reports whether it wrote.
func (w *NodeWriter) Apply(ctx context.Context, f *Facts) (bool, error) {
	node, err := w.get(ctx)
	if err != nil {
		return false, err
	}
	own := ownersOf(node)
	gfd := w.gfdMaintains(node, own)
	labels, annotations := w.desired(node, own, f, gfd)
	if gfd {
		released, err := w.release(ctx, node, own, labels)
		if err != nil {
			return false, err
		}
		if released {
			if node, err = w.get(ctx); err != nil {
				return true, err
			}
			own = ownersOf(node)
		}
	}
	if upToDate(node.Labels, own, labelKey, labels) && upToDate(node.Annotations, own, annotationKey, annotations) {
		return false, nil
	}
	desired := corev1ac.Node(w.NodeName).WithLabels(labels).WithAnnotations(annotations)
	// No force: a key another writer owns with another value stays theirs
	// (desired has already left it out); a conflict here means a writer
	// changed it since we read the Node, and the retry reads it again.
	_, err = w.Client.CoreV1().Nodes().Apply(ctx, desired, metav1.ApplyOptions{FieldManager: FieldManager})
	if err != nil {
		return false, fmt.Errorf("applying labels to node %s: %w", w.NodeName, err)
	}
	return true, nil
}

func (w *NodeWriter) get(ctx context.Context) (*corev1.Node, error) {
	node, err := w.Client.CoreV1().Nodes().Get(ctx, w.NodeName, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("reading node %s: %w", w.NodeName, err)
	}
	return node, nil
}

// desired computes the labels and annotations the labeler applies: the
// facts (only what GFD does not write, where GFD maintains them), the
// deploy labels, minus every key another writer owns with another value.
func (w *NodeWriter) desired(node *corev1.Node, own owners, f *Facts, gfd bool) (labels, annotations Labels) {
	labels = Labels{}
	if gfd {
		present := vocab.LabelGPUPresent
		_, onNode := node.Labels[present]
		if v, ok := f.Labels[present]; ok && (!onNode || own.ours[labelKey(present)]) {
			labels[present] = v
		}
	} else {
		maps.Copy(labels, f.Labels)
	}
	deploy, marker := deployLabels(node, own, f)
	maps.Copy(labels, deploy)
	annotations = maps.Clone(Labels(f.Annotations))
	if annotations == nil {
		annotations = Labels{}
	}
	if marker {
		annotations[vocab.AnnotationDeployDefaults] = deployDefaultsWritten
	}
	seen := map[string]bool{}
	w.leaveToOthers(node.Labels, own, labelKey, labels, seen)
	w.leaveToOthers(node.Annotations, own, annotationKey, annotations, seen)
	for k := range w.left {
		if !seen[k] {
			delete(w.left, k) // resolved: log again if it comes back
		}
	}
	return labels, annotations
}

// leaveToOthers drops from desired every key that another field manager
// owns with a value other than ours: GFD (through nfd-master), the
// operator or a person maintains it, and taking it with force would make
// the two writers fight. Each such key is logged and counted once.
func (w *NodeWriter) leaveToOthers(actual map[string]string, own owners, key func(string) string, desired Labels, seen map[string]bool) {
	for k, v := range desired {
		cur, ok := actual[k]
		other := own.others[key(k)]
		if !ok || cur == v || other == "" || own.ours[key(k)] {
			continue
		}
		delete(desired, k)
		seen[key(k)] = true
		if w.left == nil {
			w.left = map[string]string{}
		}
		if w.left[key(k)] == other {
			continue
		}
		w.left[key(k)] = other
		if w.Metrics != nil {
			w.Metrics.LeftToOthers.Inc()
		}
		w.log().Info("leaving a key to the writer that owns it", "node", w.NodeName, "key", k,
			"owner", other, "value", cur, "discovered", v)
	}
}

func (w *NodeWriter) log() logr.Logger {
	if w.Log.GetSink() == nil {
		return logr.Discard()
	}
	return w.Log
}

// upToDate is true when we own exactly the desired keys and the object
// carries the desired values.
func upToDate(actual map[string]string, own owners, key func(string) string, desired Labels) bool {
	prefix := key("")
	n := 0
	for k := range own.ours {
		if strings.HasPrefix(k, prefix) {
			n++
		}
	}
	if n != len(desired) {
		return false
	}
	for k, v := range desired {
		if cur, ok := actual[k]; !ok || cur != v || !own.ours[key(k)] {
			return false
		}
	}
	return true
}

// Owned returns the facts the labeler owns on its Node now: its fact
// labels and annotations, without deploy labels and the deploy marker.
func (w *NodeWriter) Owned(ctx context.Context) (*Facts, error) {
	node, err := w.get(ctx)
	if err != nil {
		return nil, err
	}
	own := ownersOf(node)
	f := &Facts{Labels: Labels{}, Deploy: Labels{}, Annotations: map[string]string{}}
	for k, v := range node.Labels {
		if own.ours[labelKey(k)] && !strings.HasPrefix(k, vocab.DeployPrefix) {
			f.Labels[k] = v
		}
	}
	for k, v := range node.Annotations {
		if own.ours[annotationKey(k)] && k != vocab.AnnotationDeployDefaults {
			f.Annotations[k] = v
		}
	}
	return f, nil
}
