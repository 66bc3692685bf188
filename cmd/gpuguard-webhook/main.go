// Command gpuguard-webhook serves gpuguard's admission webhooks.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"k8s.io/client-go/kubernetes"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/gpuguard/gpuguard/certs"
	"github.com/gpuguard/gpuguard/webhooks/server"
)

// certOptions choose where the serving certificate comes from.
type certOptions struct {
	mode, namespace, secret, service, validating, mutating string
}

func main() {
	var cfg server.Config
	var co certOptions
	flag.StringVar(&cfg.PolicyFile, "policy-file", "", "policy file to load and watch (default: built-in defaults)")
	flag.StringVar(&cfg.Host, "host", "", "address the webhook server listens on (default: all)")
	flag.IntVar(&cfg.Port, "port", 9443, "port the webhook server listens on")
	flag.StringVar(&co.mode, "cert-mode", "file", `"file": tls.crt/tls.key in --cert-dir (cert-manager); "self-managed": generate, store, inject and rotate`)
	flag.StringVar(&cfg.CertDir, "cert-dir", "/etc/gpuguard/certs", "directory with tls.crt and tls.key, re-read on change (cert-mode file)")
	flag.StringVar(&co.namespace, "namespace", os.Getenv("POD_NAMESPACE"), "namespace of the certificate Secret and the Service (env POD_NAMESPACE; cert-mode self-managed)")
	flag.StringVar(&co.secret, "cert-secret", "gpuguard-webhook-tls", "Secret holding the self-managed certificates")
	flag.StringVar(&co.service, "service-name", "gpuguard-webhook", "Service in front of the webhook; its DNS names go into the certificate")
	flag.StringVar(&co.validating, "validating-webhook-configuration", "gpuguard-validating", "ValidatingWebhookConfiguration whose caBundle is kept (cert-mode self-managed)")
	flag.StringVar(&co.mutating, "mutating-webhook-configuration", "gpuguard-mutating", "MutatingWebhookConfiguration whose caBundle is kept (cert-mode self-managed)")
	flag.StringVar(&cfg.MetricsAddr, "metrics-bind-address", "127.0.0.1:8080", `address of the metrics endpoint, plain HTTP without authentication: keep it on loopback ("0" disables)`)
	flag.StringVar(&cfg.HealthAddr, "health-probe-bind-address", ":8081", `address of /healthz and /readyz ("0" disables)`)
	flag.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", 0, "time to finish in-flight reviews on stop (default 15s)")
	flag.DurationVar(&cfg.Limits.DrainDelay, "drain-delay", 0, "on stop, keep serving this long while reporting not ready, before closing (default 5s; negative: none)")
	flag.IntVar(&cfg.Limits.MaxConnections, "max-connections", 0, "cap on open webhook connections (default 256)")
	flag.Int64Var(&cfg.Limits.MaxBodyBytes, "max-body-bytes", 0, "largest review body read (default 3.5 MiB: two objects of etcd's 1.5 MiB maximum)")
	flag.DurationVar(&cfg.Limits.ReadTimeout, "read-timeout", 0, "time to read one request, headers and body (default 10s)")
	opts := zap.Options{}
	opts.BindFlags(flag.CommandLine)
	flag.Parse()

	cfg.Log = zap.New(zap.UseFlagOptions(&opts))
	ctrl.SetLogger(cfg.Log)
	if err := run(cfg, co); err != nil {
		fmt.Fprintln(os.Stderr, "gpuguard-webhook:", err)
		os.Exit(1)
	}
}

func run(cfg server.Config, co certOptions) error {
	rc, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("finding the API server (in-cluster, or --kubeconfig / KUBECONFIG): %w", err)
	}
	cfg.RESTConfig = rc
	// gpuguard's metrics go where the manager's metrics endpoint serves
	// from, beside controller-runtime's own.
	cfg.Registry = metrics.Registry
	switch co.mode {
	case "file":
	case "self-managed":
		if co.namespace == "" {
			return errors.New("--cert-mode=self-managed needs --namespace (or POD_NAMESPACE) for its Secret")
		}
		cs, err := kubernetes.NewForConfig(rc)
		if err != nil {
			return fmt.Errorf("building API client: %w", err)
		}
		svc := co.service + "." + co.namespace + ".svc"
		cfg.Certs = &certs.SelfManaged{
			Client: cs, Namespace: co.namespace, SecretName: co.secret,
			DNSNames:           []string{svc, svc + ".cluster.local"},
			ValidatingWebhooks: []string{co.validating}, MutatingWebhooks: []string{co.mutating},
			Log: cfg.Log.WithName("certs"),
		}
	default:
		return fmt.Errorf("--cert-mode %q: use file or self-managed", co.mode)
	}
	s, err := server.New(cfg)
	if err != nil {
		return err
	}
	return s.Start(ctrl.SetupSignalHandler())
}
