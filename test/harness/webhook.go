package harness

import (
	"context"
	"errors"
	"fmt"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/gpuguard/gpuguard/webhooks/server"
)

// Webhook is a webhook server running in this process, registered with the
// API server through gpuguard's own webhook configurations.
type Webhook struct {
	Server *server.Server
	// CertDir holds the serving certificate the API server trusts.
	CertDir string

	install envtest.WebhookInstallOptions
	cp      *ControlPlane
	cancel  context.CancelFunc
	done    chan error
}

// StartWebhook runs the webhook server on a loopback port with freshly
// generated certificates, waits until it is ready, then registers the
// webhook configurations of the rendered chart, pointed at it. cfg's
// listener, TLS and API server fields are filled in here; the policy file is
// the caller's.
func (cp *ControlPlane) StartWebhook(ctx context.Context, cfg server.Config, chart *Rendered) (*Webhook, error) {
	muts := OfType[*admissionregistrationv1.MutatingWebhookConfiguration](chart)
	vals := OfType[*admissionregistrationv1.ValidatingWebhookConfiguration](chart)
	if len(muts) == 0 || len(vals) == 0 {
		return nil, errors.New("the rendered chart has no webhook configurations")
	}
	w := &Webhook{cp: cp, done: make(chan error, 1), install: envtest.WebhookInstallOptions{
		MutatingWebhooks: muts, ValidatingWebhooks: vals, LocalServingHost: "127.0.0.1",
	}}
	if err := w.install.PrepWithoutInstalling(); err != nil {
		return nil, fmt.Errorf("preparing webhook certificates: %w", err)
	}
	w.CertDir = w.install.LocalServingCertDir
	cfg.Host, cfg.Port, cfg.CertDir = w.install.LocalServingHost, w.install.LocalServingPort, w.CertDir
	cfg.RESTConfig = cp.Config
	// Metrics are read in-process from the controller-runtime registry; two
	// servers in one test binary must not fight over fixed ports.
	cfg.MetricsAddr, cfg.HealthAddr = "0", "0"
	srv, err := server.New(cfg)
	if err != nil {
		return nil, err
	}
	w.Server = srv
	runCtx, cancel := context.WithCancel(ctx)
	w.cancel = cancel
	go func() { w.done <- w.Server.Start(runCtx) }()

	cp.log.Info("waiting for the webhook server to be ready", "port", cfg.Port)
	if err := w.waitReady(ctx); err != nil {
		w.abort()
		return nil, err
	}
	if err := w.install.Install(cp.Config); err != nil {
		w.abort()
		return nil, fmt.Errorf("registering webhook configurations: %w", err)
	}
	return w, nil
}

func (w *Webhook) waitReady(ctx context.Context) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		select {
		case err := <-w.done:
			return false, fmt.Errorf("webhook server exited: %w", err)
		default:
		}
		last = w.Server.Ready(nil)
		return last == nil, nil
	})
	if err != nil {
		return fmt.Errorf("webhook server never became ready (last: %w): %w", last, err)
	}
	return nil
}

func (w *Webhook) abort() {
	w.cancel()
	if err := <-w.done; err != nil {
		w.cp.log.Error(err, "webhook server stopped with an error after a failed start")
	}
	_ = w.install.Cleanup()
}

// Stop unregisters the configurations (so the API server stops calling a
// server that is gone), stops the server and removes its certificates.
func (w *Webhook) Stop(ctx context.Context) error {
	var errs []error
	for _, m := range w.install.MutatingWebhooks {
		errs = append(errs, client.IgnoreNotFound(w.cp.Client.Delete(ctx, m)))
	}
	for _, v := range w.install.ValidatingWebhooks {
		errs = append(errs, client.IgnoreNotFound(w.cp.Client.Delete(ctx, v)))
	}
	w.cancel()
	if err := <-w.done; err != nil {
		errs = append(errs, fmt.Errorf("webhook server: %w", err))
	}
	errs = append(errs, w.install.Cleanup())
	return errors.Join(errs...)
}
