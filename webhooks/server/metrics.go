package server

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/config/clusterpolicy"
	"github.com/gpuguard/gpuguard/webhooks/admit"
)

// policyReloads counts reloads of the policy file by result, so an alert can
// fire on a ConfigMap edit that was rejected (the old policy stays in force).
var policyReloads = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "gpuguard_policy_reloads_total",
	Help: "Policy file reloads by result (success, error). On error the last good policy stays in force.",
}, []string{"result"})

// strategyMetrics report the MIG strategy in force and any disagreement with
// the GPU Operator's ClusterPolicy.
var strategyMetrics = clusterpolicy.NewMetrics(metrics.Registry, "webhook")

// admitMetrics counts decisions of every handler of this process.
var admitMetrics = admit.NewMetrics(metrics.Registry)

func init() {
	metrics.Registry.MustRegister(policyReloads, factDisagreements)
}

func recordPolicyReload(_ *config.Policy, err error) {
	if err != nil {
		policyReloads.WithLabelValues("error").Inc()
		return
	}
	policyReloads.WithLabelValues("success").Inc()
}
