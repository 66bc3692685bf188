package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/config/clusterpolicy"
	"github.com/gpuguard/gpuguard/config/metricreg"
	"github.com/gpuguard/gpuguard/webhooks/admit"
)

// metrics are one server's: built by New and registered on the registry
// its Config names, never package globals, so that servers of one process
// (tests run several) do not share them unless they share a registry.
type metrics struct {
	// admit counts every handler's decisions.
	admit *admit.Metrics
	// policyReloads counts reloads of the policy file by result, so an
	// alert can fire on a ConfigMap edit that was rejected (the old policy
	// stays in force).
	policyReloads *prometheus.CounterVec
	// factDisagreements counts facts admitted as reported that disagree
	// with the policy, so that an alert can fire on a MIG strategy mismatch.
	factDisagreements *prometheus.CounterVec
	// strategy reports the MIG strategy in force and any disagreement with
	// the GPU Operator's ClusterPolicy.
	strategy *clusterpolicy.Metrics
}

// newMetrics builds the server's metrics and registers them with reg (nil:
// not registered), reusing those another server registered there first.
func newMetrics(reg prometheus.Registerer) *metrics {
	return &metrics{
		admit: admit.NewMetrics(reg),
		policyReloads: metricreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gpuguard_policy_reloads_total",
			Help: "Policy file reloads by result (success, error). On error the last good policy stays in force.",
		}, []string{"result"})),
		factDisagreements: metricreg.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gpuguard_node_fact_disagreements_total",
			Help: "Facts a fact writer reported that disagree with the policy (admitted, with a warning and a Node Event), by label key and writer.",
		}, []string{"key", "writer"})),
		strategy: clusterpolicy.NewMetrics(reg, "webhook"),
	}
}

func (m *metrics) recordPolicyReload(_ *config.Policy, err error) {
	if err != nil {
		m.policyReloads.WithLabelValues("error").Inc()
		return
	}
	m.policyReloads.WithLabelValues("success").Inc()
}
