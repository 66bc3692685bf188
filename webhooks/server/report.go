package server

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"

	"github.com/gpuguard/gpuguard/webhooks/node"
)

// ReasonFactDisagrees is the Event reason on a Node whose reported fact
// disagrees with the policy.
const ReasonFactDisagrees = "GPUFactDisagreesWithPolicy"

// eventReporter raises an Event on the Node and counts the disagreement.
type eventReporter struct {
	recorder events.EventRecorder
	count    *prometheus.CounterVec
}

var _ node.Reporter = (*eventReporter)(nil)

func (e *eventReporter) Disagreement(_ context.Context, d node.Disagreement) {
	e.count.WithLabelValues(d.Key, d.Writer).Inc()
	n := &corev1.Node{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Node"}, ObjectMeta: metav1.ObjectMeta{Name: d.Node}}
	e.recorder.Eventf(n, nil, corev1.EventTypeWarning, ReasonFactDisagrees, "Admit",
		"%s=%s reported by %s, but gpuguard's policy says %q: the device plugin, GFD and gpuguard must agree; set the same mig.strategy on the GPU Operator and on gpuguard",
		d.Key, d.Value, d.Writer, d.Want)
}
