// Command gpuguard-webhook serves gpuguard's admission webhooks.
package main

import (
	"flag"
	"fmt"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/gpuguard/gpuguard/webhooks/server"
)

func main() {
	var cfg server.Config
	flag.StringVar(&cfg.PolicyFile, "policy-file", "", "policy file to load and watch (default: built-in defaults)")
	flag.StringVar(&cfg.Host, "host", "", "address the webhook server listens on (default: all)")
	flag.IntVar(&cfg.Port, "port", 9443, "port the webhook server listens on")
	flag.StringVar(&cfg.CertDir, "cert-dir", "/etc/gpuguard/certs", "directory with tls.crt and tls.key, re-read on change")
	flag.StringVar(&cfg.MetricsAddr, "metrics-bind-address", ":8080", `address of the metrics endpoint ("0" disables)`)
	flag.StringVar(&cfg.HealthAddr, "health-probe-bind-address", ":8081", `address of /healthz and /readyz ("0" disables)`)
	flag.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", 0, "time to finish in-flight reviews on stop (default 15s)")
	opts := zap.Options{}
	opts.BindFlags(flag.CommandLine)
	flag.Parse()

	cfg.Log = zap.New(zap.UseFlagOptions(&opts))
	ctrl.SetLogger(cfg.Log)
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "gpuguard-webhook:", err)
		os.Exit(1)
	}
}

func run(cfg server.Config) error {
	rc, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("finding the API server (in-cluster, or --kubeconfig / KUBECONFIG): %w", err)
	}
	cfg.RESTConfig = rc
	s, err := server.New(cfg)
	if err != nil {
		return err
	}
	return s.Start(ctrl.SetupSignalHandler())
}
