package admit

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/config/metricreg"
	"github.com/gpuguard/gpuguard/webhooks/verdict"
)

// Metrics count decisions by webhook and rule.
type Metrics struct {
	denials  *prometheus.CounterVec
	warnings *prometheus.CounterVec
	errors   *prometheus.CounterVec
}

// NewMetrics creates the metrics and registers them with reg (nil: not
// registered), reusing those already registered there (metricreg.Register).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	return &Metrics{
		denials: metricreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gpuguard_webhook_denials_total",
			Help: "Admission requests denied, by webhook and rule.",
		}, []string{"webhook", "rule"})),
		warnings: metricreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gpuguard_webhook_warnings_total",
			Help: "Rule violations answered with a warning (enforcement warn), by webhook and rule.",
		}, []string{"webhook", "rule"})),
		errors: metricreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gpuguard_webhook_errors_total",
			Help: "Admission requests that could not be decided (bad object, unexpected kind).",
		}, []string{"webhook"})),
	}
}

// count records each violation by rule and enforcement: a denial under
// deny, a warning under warn. One update per rule, not per violation: a
// request may carry thousands.
func (m *Metrics) count(webhook string, vs []verdict.Violation, mode func(config.Rule) config.Enforcement) {
	byRule := map[config.Rule]int{}
	for _, x := range vs {
		byRule[x.Rule]++
	}
	for rule, n := range byRule {
		switch mode(rule) {
		case config.Deny:
			m.denials.WithLabelValues(webhook, rule.String()).Add(float64(n))
		case config.Warn:
			m.warnings.WithLabelValues(webhook, rule.String()).Add(float64(n))
		case config.Off:
		}
	}
}
