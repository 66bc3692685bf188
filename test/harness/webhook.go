package harness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/gpuguard/gpuguard/certs"
	"github.com/gpuguard/gpuguard/webhooks/server"
)

// TLSSecret is where the self-managed certificates live, as in an install.
const TLSSecret = Release + "-webhook-tls"

// Webhook is a webhook server running in this process, registered with the
// API server through the chart's webhook configurations.
type Webhook struct {
	Server *server.Server
	// Certs is its self-managed certificate source.
	Certs *certs.SelfManaged
	// Addr is where it listens (127.0.0.1:<port>).
	Addr string
	port int

	cp *ControlPlane
	// configs are the webhook configurations it registered, mutating and
	// validating; Stop deletes them.
	configs []client.Object
	cancel  context.CancelFunc
	done    chan error
	// exit is done's one value, kept for a second Kill or Stop.
	exitOnce sync.Once
	exit     error
}

// WebhookOptions configure StartWebhook. Zero values mean the defaults of a
// real install.
type WebhookOptions struct {
	// Validity of the serving certificate and of the CA, and how often the
	// source checks them (tests shorten these to force rotations).
	Validity, CAValidity, CertInterval time.Duration
	// Register creates the webhook configurations pointed at this server.
	// A second server that shares the Secret leaves them alone.
	Register bool
	// Source, when set, replaces the self-managed certificates (e.g. a
	// certs.FileSource on what cert-manager issued).
	Source certs.Source
	// Port to listen on. Default: one the OS picks.
	Port int
	// Front, when set, is what the configurations are registered pointing
	// at (Register); it forwards to this server once the server is ready.
	Front *Proxy
}

// StartWebhook runs the webhook server on a loopback port chosen by the OS,
// with self-managed certificates, as an install's default: the source creates or adopts the
// TLS Secret and injects its CA into the chart's webhook configurations,
// which are registered pointing at this server. cfg's listener, TLS and API
// server fields are filled in here; the policy file is the caller's.
func (cp *ControlPlane) StartWebhook(ctx context.Context, cfg server.Config, chart *Rendered, o WebhookOptions) (*Webhook, error) {
	return cp.StartWebhookWith(ctx, cfg, chart, o, nil)
}

// StartWebhookWith is StartWebhook with a hook to adjust the certificate
// source before it starts.
func (cp *ControlPlane) StartWebhookWith(ctx context.Context, cfg server.Config, chart *Rendered, o WebhookOptions, adjust func(*certs.SelfManaged)) (*Webhook, error) {
	w := &Webhook{cp: cp, done: make(chan error, 1)}
	var muts, vals []string
	for _, o := range chart.Objects {
		switch o.(type) {
		case *admissionregistrationv1.MutatingWebhookConfiguration:
			muts = append(muts, o.GetName())
		case *admissionregistrationv1.ValidatingWebhookConfiguration:
			vals = append(vals, o.GetName())
		default:
			continue
		}
		w.configs = append(w.configs, o)
	}
	if len(muts) == 0 || len(vals) == 0 {
		return nil, errors.New("the rendered chart has no webhook configurations")
	}
	port := o.Port
	if port == 0 {
		var err error
		if port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	w.Addr, w.port = fmt.Sprintf("127.0.0.1:%d", port), port
	if o.Register {
		target := w.Addr
		if o.Front != nil {
			target = o.Front.Addr()
		}
		if err := w.register(ctx, target); err != nil {
			return nil, err
		}
	}
	// The server acts as the chart's webhook service account, so the test
	// proves the chart's RBAC is enough (and catches a missing verb).
	asWebhook := cp.Impersonate("system:serviceaccount:"+Namespace+":"+Release+"-webhook",
		[]string{"system:serviceaccounts", "system:serviceaccounts:" + Namespace, "system:authenticated"}, nil)
	cs, err := kubernetes.NewForConfig(asWebhook)
	if err != nil {
		return nil, fmt.Errorf("building the webhook's client: %w", err)
	}
	w.Certs = &certs.SelfManaged{
		Client: cs, Namespace: Namespace, SecretName: TLSSecret,
		IPs: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		Validity: o.Validity, CAValidity: o.CAValidity, Interval: o.CertInterval,
		Log: cp.log.WithName("certs"),
	}
	w.Certs.MutatingWebhooks, w.Certs.ValidatingWebhooks = muts, vals
	if adjust != nil {
		adjust(w.Certs)
	}
	cfg.Host, cfg.Port, cfg.Certs, cfg.RESTConfig = "127.0.0.1", port, w.Certs, asWebhook
	if o.Source != nil {
		cfg.Certs, w.Certs = o.Source, nil
	}
	// Metrics are read in-process from the controller-runtime registry; two
	// servers in one test binary must not fight over fixed ports.
	cfg.MetricsAddr, cfg.HealthAddr = "0", "0"
	if cfg.Registry == nil {
		// Tests read gpuguard's metrics where the binary registers them.
		cfg.Registry = metrics.Registry
	}
	if cfg.Limits.DrainDelay == 0 {
		// Tests stop servers often; a drain is asked for explicitly.
		cfg.Limits.DrainDelay = -1
	}
	srv, err := server.New(cfg)
	if err != nil {
		return nil, err
	}
	w.Server = srv
	runCtx, cancel := context.WithCancel(ctx)
	w.cancel = cancel
	go func() { w.done <- w.Server.Start(runCtx) }()

	cp.log.Info("waiting for the webhook server to be ready", "addr", w.Addr)
	if err := w.waitReady(ctx); err != nil {
		w.cancel()
		if serr := <-w.done; serr != nil {
			err = errors.Join(err, serr)
		}
		return nil, err
	}
	if o.Front != nil {
		o.Front.SetBackend(w.Addr)
	}
	return w, nil
}

// register creates the chart's webhook configurations with their clientConfig
// pointed at addr (this server or its Front); the certificate source fills
// in caBundle.
func (w *Webhook) register(ctx context.Context, addr string) error {
	for _, c := range w.configs {
		for _, cc := range certs.WebhookClientConfigs(c) {
			u := "https://" + addr + *cc.Service.Path
			cc.URL, cc.Service = &u, nil
		}
		if err := w.cp.Client.Create(ctx, c); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("registering %s: %w", c.GetName(), err)
		}
	}
	return nil
}

// FreePort asks the OS for a free loopback port. controller-runtime's server
// takes a port number, not a listener, so the port is closed again before
// the server binds it; on a test machine nobody takes it in between.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
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

// Stop unregisters the configurations it registered (so the API server
// stops calling a server that is gone) and stops the server.
func (w *Webhook) Stop(ctx context.Context) error {
	var errs []error
	for _, c := range w.configs {
		errs = append(errs, client.IgnoreNotFound(w.cp.Client.Delete(ctx, c)))
	}
	if err := w.Kill(); err != nil {
		errs = append(errs, fmt.Errorf("webhook server: %w", err))
	}
	return errors.Join(errs...)
}

// StartReplica runs one more webhook server whose self-managed certificates
// live in secret and are injected into the named validating configurations
// only, as another replica of a release would.
func (cp *ControlPlane) StartReplica(ctx context.Context, chart *Rendered, secret string, validating []string) (*Webhook, error) {
	policy, err := cp.PolicyFrom(chart, secret+"-policy.yaml")
	if err != nil {
		return nil, err
	}
	w, err := cp.StartWebhookWith(ctx, server.Config{PolicyFile: policy}, chart, WebhookOptions{}, func(s *certs.SelfManaged) {
		// The chart's RBAC allows only its own Secret and configurations
		// (by name); a replica pair on other names acts as the admin.
		s.Client, s.SecretName, s.ValidatingWebhooks, s.MutatingWebhooks = cp.Clientset, secret, validating, nil
	})
	if err != nil {
		return nil, err
	}
	w.configs = nil // registered by the caller
	return w, nil
}

// ForceRotation empties the serving certificate in the self-managed TLS
// Secret (a kubernetes.io/tls Secret must keep both keys), as an admin
// retiring a certificate would: the source issues a new one at its next
// check, signed by the same CA.
func (w *Webhook) ForceRotation(ctx context.Context) error {
	if w.Certs == nil {
		return errors.New("this webhook's certificates are not self-managed")
	}
	patch := []byte(`[{"op":"replace","path":"/data/tls.crt","value":""},{"op":"replace","path":"/data/tls.key","value":""}]`)
	_, err := w.cp.Clientset.CoreV1().Secrets(w.Certs.Namespace).Patch(ctx, w.Certs.SecretName, types.JSONPatchType, patch, metav1.PatchOptions{})
	if err != nil {
		return fmt.Errorf("removing the serving certificate from Secret %s/%s: %w", w.Certs.Namespace, w.Certs.SecretName, err)
	}
	return nil
}
