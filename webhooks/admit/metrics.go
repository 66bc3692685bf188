package admit

import "github.com/prometheus/client_golang/prometheus"

// Metrics count decisions by webhook and rule.
type Metrics struct {
	denials  *prometheus.CounterVec
	warnings *prometheus.CounterVec
	errors   *prometheus.CounterVec
}

// NewMetrics creates the metrics and registers them with reg (nil: not
// registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		denials: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gpuguard_webhook_denials_total",
			Help: "Admission requests denied, by webhook and rule.",
		}, []string{"webhook", "rule"}),
		warnings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gpuguard_webhook_warnings_total",
			Help: "Rule violations answered with a warning (enforcement warn), by webhook and rule.",
		}, []string{"webhook", "rule"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gpuguard_webhook_errors_total",
			Help: "Admission requests that could not be decided (bad object, unexpected kind).",
		}, []string{"webhook"}),
	}
	if reg != nil {
		reg.MustRegister(m.denials, m.warnings, m.errors)
	}
	return m
}
