package clusterpolicy

import (
	"fmt"
	"sync"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/record"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/config/metricreg"
)

// Event reasons.
const (
	// ReasonConflict: an explicit migStrategy overrides a ClusterPolicy that
	// says otherwise.
	ReasonConflict = "MIGStrategyConflict"
	// ReasonFollowed: migStrategy auto now follows a new ClusterPolicy value.
	ReasonFollowed = "MIGStrategyFollowed"
)

// Metrics of the strategy resolution, named gpuguard_<subsystem>_mig_strategy_*.
type Metrics struct {
	// Conflict is 1 while an explicit strategy disagrees with the ClusterPolicy.
	Conflict prometheus.Gauge
	// Info is 1 for the strategy in force and where it comes from
	// (policy, clusterpolicy, default), 0 for earlier ones.
	Info *prometheus.GaugeVec
}

// NewMetrics creates the metrics of one component ("webhook", "labeler")
// and registers them with reg (nil: not registered), reusing those another
// server of the same process registered there first (metricreg.Register).
func NewMetrics(reg prometheus.Registerer, subsystem string) *Metrics {
	return &Metrics{
		Conflict: metricreg.Register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: fmt.Sprintf("gpuguard_%s_mig_strategy_conflict", subsystem),
			Help: "1 while the configured MIG strategy overrides a GPU Operator ClusterPolicy that says otherwise.",
		})),
		Info: metricreg.Register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: fmt.Sprintf("gpuguard_%s_mig_strategy_info", subsystem),
			Help: "1 for the MIG strategy in force and its source (policy, clusterpolicy, default).",
		}, []string{"strategy", "source"})),
	}
}

// Reporter logs, counts and raises Events for each change of a resolution.
type Reporter struct {
	Log     logr.Logger
	Metrics *Metrics
	// Recorder raises Events; nil raises none.
	Recorder record.EventRecorder
	// Subject is what Events are about; nil means the ClusterPolicy itself.
	Subject *corev1.ObjectReference

	mu   sync.Mutex
	last *config.StrategyResolution
}

// Report reports r if it differs from the last one reported.
func (rep *Reporter) Report(r config.StrategyResolution, o Observation) {
	rep.mu.Lock()
	defer rep.mu.Unlock()
	if rep.last != nil && *rep.last == r {
		return
	}
	prev := rep.last
	rep.last = &r
	source := "default"
	switch {
	case r.Source == "gpuguard policy migStrategy":
		source = "policy"
	case r.OperatorFound:
		source = "clusterpolicy"
	}
	rep.Metrics.Info.Reset()
	rep.Metrics.Info.WithLabelValues(string(r.Strategy), source).Set(1)
	if r.Conflict {
		rep.Metrics.Conflict.Set(1)
		msg := fmt.Sprintf("gpuguard's MIG strategy %q overrides GPU Operator ClusterPolicy %s spec.mig.strategy %q; the device plugin and GFD follow the ClusterPolicy, so gpuguard now judges labels, pods and DaemonSets by another strategy than theirs. Set gpuguard's migStrategy to auto (chart: mig.strategy=auto) to follow the operator, or change the ClusterPolicy",
			r.Strategy, o.Name, r.Operator)
		rep.Log.Info("MIG strategy disagrees with the GPU Operator", "strategy", r.Strategy, "clusterPolicy", o.Name, "clusterPolicyStrategy", r.Operator)
		rep.event(o, corev1.EventTypeWarning, ReasonConflict, msg)
		return
	}
	rep.Metrics.Conflict.Set(0)
	rep.Log.Info("MIG strategy in force", "strategy", r.Strategy, "source", r.Source)
	if source == "clusterpolicy" && (prev == nil || prev.Strategy != r.Strategy) {
		rep.event(o, corev1.EventTypeNormal, ReasonFollowed,
			fmt.Sprintf("gpuguard follows this ClusterPolicy's MIG strategy: %s", r.Strategy))
	}
}

func (rep *Reporter) event(o Observation, kind, reason, msg string) {
	if rep.Recorder == nil {
		return
	}
	ref := rep.Subject
	if ref == nil {
		if !o.Found {
			return
		}
		ref = &corev1.ObjectReference{APIVersion: GVR.GroupVersion().String(), Kind: "ClusterPolicy", Name: o.Name, UID: o.UID}
	}
	rep.Recorder.Event(ref, kind, reason, msg)
}
