package server

import (
	"time"

	"github.com/gpuguard/gpuguard/certs"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"
)

// Config is everything Run needs. Zero values mean the documented default.
type Config struct {
	// PolicyFile is the policy to load and watch. Default: none, which
	// serves the built-in default policy.
	PolicyFile string
	// Host and Port are where the webhook server listens. Default: all
	// addresses, port 9443.
	Host string
	Port int
	// CertDir holds tls.crt and tls.key (cert-manager's Secret); they are
	// re-read when they change. Used when Certs is nil.
	CertDir string
	// Certs provides the serving certificate. Default: a certs.FileSource
	// on CertDir.
	Certs certs.Source
	// MetricsAddr serves Prometheus metrics over plain HTTP without
	// authentication, so it defaults to loopback: "127.0.0.1:8080", reached
	// from inside the pod (kubectl port-forward, a scraping sidecar). "0"
	// disables.
	MetricsAddr string
	// Registry registers gpuguard's metrics. The manager serves
	// controller-runtime's metrics.Registry on MetricsAddr, so the binary
	// passes that one. Default: nil, the metrics are counted but registered
	// nowhere. Servers of one process given the same registry share its
	// collectors (the first server's), and count together.
	Registry prometheus.Registerer
	// HealthAddr serves /healthz and /readyz. Default ":8081"; "0" disables.
	HealthAddr string
	// RESTConfig reaches the API server. Required.
	RESTConfig *rest.Config
	// Log is the root logger. Default: discard.
	Log logr.Logger
	// ShutdownTimeout bounds how long in-flight reviews may take to finish
	// after a stop signal and the drain delay. Default 15s: with the drain
	// delay and the chart's preStop, within the Pod's grace period.
	ShutdownTimeout time.Duration
	// Limits bound connections, bodies and read time, and set the drain.
	Limits Limits
}

func (c *Config) applyDefaults() {
	if c.MetricsAddr == "" {
		c.MetricsAddr = "127.0.0.1:8080"
	}
	if c.HealthAddr == "" {
		c.HealthAddr = ":8081"
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 15 * time.Second
	}
	c.Limits.applyDefaults()
	if c.Log.GetSink() == nil {
		c.Log = logr.Discard()
	}
	if c.Certs == nil {
		c.Certs = certs.NewFileSource(c.CertDir, c.Log.WithName("certs"))
	}
}
