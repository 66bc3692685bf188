package labeler

import "github.com/prometheus/client_golang/prometheus"

// Metrics of one labeler. Each labeler registers its own set, so several
// simulated labelers can run in one process (tests, `make run`).
type Metrics struct {
	Writes        prometheus.Counter
	Errors        *prometheus.CounterVec
	CycleSeconds  prometheus.Histogram
	SingleInvalid prometheus.Gauge
	// LeftToOthers counts keys left to another writer that owns them with
	// another value, once per key and writer.
	LeftToOthers prometheus.Counter
}

// NewMetrics creates the labeler's metrics and registers them with reg
// (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Writes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gpuguard_labeler_writes_total",
			Help: "Server-side apply requests the labeler sent to its Node.",
		}),
		Errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gpuguard_labeler_errors_total",
			Help: "Labeler errors by stage (nvml, labels, write).",
		}, []string{"stage"}),
		CycleSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "gpuguard_labeler_cycle_duration_seconds",
			Help:    "Duration of one labelling cycle: NVML read, label computation and write.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 8),
		}),
		SingleInvalid: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gpuguard_labeler_mig_single_invalid",
			Help: "1 while the node's MIG layout is invalid for MIG strategy single.",
		}),
		LeftToOthers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gpuguard_labeler_keys_left_to_other_writers_total",
			Help: "Label or annotation keys the labeler left to another field manager that owns them with another value (GFD through nfd-master, the operator, a person); once per key and writer.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.Writes, m.Errors, m.CycleSeconds, m.SingleInvalid, m.LeftToOthers)
	}
	return m
}
