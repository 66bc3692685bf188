package admit

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/verdict"
)

// Metrics count decisions by webhook and rule.
type Metrics struct {
	denials  *prometheus.CounterVec
	warnings *prometheus.CounterVec
	errors   *prometheus.CounterVec
}

// NewMetrics creates the metrics and registers them with reg (nil: not
// registered) as Register does.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	return &Metrics{
		denials: Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gpuguard_webhook_denials_total",
			Help: "Admission requests denied, by webhook and rule.",
		}, []string{"webhook", "rule"})),
		warnings: Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gpuguard_webhook_warnings_total",
			Help: "Rule violations answered with a warning (enforcement warn), by webhook and rule.",
		}, []string{"webhook", "rule"})),
		errors: Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gpuguard_webhook_errors_total",
			Help: "Admission requests that could not be decided (bad object, unexpected kind).",
		}, []string{"webhook"})),
	}
}

// Register registers c with reg and returns it (reg nil: c, unregistered).
// When reg already holds the same metric, registered by another server of
// the same process (tests run several), that collector is returned
// instead, so the servers of one process count together. A metric of the
// same name but another shape is a gpuguard bug and panics, as
// prometheus.MustRegister does.
func Register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if reg == nil {
		return c
	}
	err := reg.Register(c)
	if err == nil {
		return c
	}
	var dup prometheus.AlreadyRegisteredError
	if errors.As(err, &dup) {
		if existing, ok := dup.ExistingCollector.(C); ok {
			return existing
		}
	}
	panic(err)
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
