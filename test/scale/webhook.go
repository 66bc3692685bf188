package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gpuguard/gpuguard/certs"
	"github.com/gpuguard/gpuguard/test/harness"
)

// webhookEnv is what every webhook process of a run shares: the binary, a
// kubeconfig acting as the chart's webhook service account, the serving
// certificate and the chart's webhook configurations.
type webhookEnv struct {
	cp                     *harness.ControlPlane
	dir, bin, kubeconfig   string
	certDir, policy, caPEM string
	port, metrics, health  int
	muts                   []*admissionregistrationv1.MutatingWebhookConfiguration
	vals                   []*admissionregistrationv1.ValidatingWebhookConfiguration
	registered             bool
	// startTimeout bounds exec to ready (the informer's first list at
	// 5,000 nodes on a loaded machine); stopTimeout SIGTERM to SIGKILL.
	startTimeout, stopTimeout time.Duration
}

// newWebhookEnv builds gpuguard-webhook (unless bin is given), issues a
// serving certificate for 127.0.0.1 with the self-managed source's own code
// and writes a kubeconfig that impersonates the webhook's service account,
// so the chart's RBAC is what the process gets.
func newWebhookEnv(ctx context.Context, cp *harness.ControlPlane, dir, bin, policy string, chart *harness.Rendered) (*webhookEnv, error) {
	e := &webhookEnv{cp: cp, dir: dir, bin: bin, policy: policy,
		muts:         harness.OfType[*admissionregistrationv1.MutatingWebhookConfiguration](chart),
		vals:         harness.OfType[*admissionregistrationv1.ValidatingWebhookConfiguration](chart),
		startTimeout: 3 * time.Minute, stopTimeout: 20 * time.Second}
	if len(e.muts) == 0 || len(e.vals) == 0 {
		return nil, errors.New("the rendered chart has no webhook configurations")
	}
	if e.bin == "" {
		e.bin = filepath.Join(dir, "gpuguard-webhook")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", e.bin, "github.com/gpuguard/gpuguard/cmd/gpuguard-webhook")
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("building gpuguard-webhook: %w", err)
		}
	}
	var err error
	for _, p := range []*int{&e.port, &e.metrics, &e.health} {
		if *p, err = harness.FreePort(); err != nil {
			return nil, err
		}
	}
	if err := e.writeCerts(ctx); err != nil {
		return nil, err
	}
	return e, e.writeKubeconfig()
}

// writeCerts has certs.SelfManaged create the release's TLS Secret (CA and
// a serving certificate for 127.0.0.1) and writes its pair where
// --cert-mode=file reads it, as a mounted cert-manager Secret would be.
func (e *webhookEnv) writeCerts(ctx context.Context) error {
	src := &certs.SelfManaged{Client: e.cp.Clientset, Namespace: harness.Namespace, SecretName: harness.TLSSecret,
		IPs: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"}}
	if err := src.Ensure(ctx); err != nil {
		return fmt.Errorf("issuing the serving certificate: %w", err)
	}
	sec, err := e.cp.Clientset.CoreV1().Secrets(harness.Namespace).Get(ctx, harness.TLSSecret, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("reading the serving certificate: %w", err)
	}
	e.caPEM = string(sec.Data["ca.crt"])
	e.certDir = filepath.Join(e.dir, "certs")
	if err := os.MkdirAll(e.certDir, 0o700); err != nil {
		return fmt.Errorf("creating the certificate directory: %w", err)
	}
	for _, k := range []string{"tls.crt", "tls.key"} {
		if err := os.WriteFile(filepath.Join(e.certDir, k), sec.Data[k], 0o600); err != nil {
			return fmt.Errorf("writing %s: %w", k, err)
		}
	}
	return nil
}

func (e *webhookEnv) writeKubeconfig() error {
	kc, err := clientcmd.LoadFromFile(e.cp.Kubeconfig)
	if err != nil {
		return fmt.Errorf("reading the admin kubeconfig: %w", err)
	}
	for _, a := range kc.AuthInfos {
		a.Impersonate = "system:serviceaccount:" + harness.Namespace + ":" + harness.Release + "-webhook"
		a.ImpersonateGroups = []string{"system:serviceaccounts", "system:serviceaccounts:" + harness.Namespace, "system:authenticated"}
	}
	e.kubeconfig = filepath.Join(e.dir, "webhook.kubeconfig")
	if err := clientcmd.WriteToFile(*kc, e.kubeconfig); err != nil {
		return fmt.Errorf("writing the webhook's kubeconfig: %w", err)
	}
	return nil
}

// register creates the chart's webhook configurations pointed at
// https://127.0.0.1:<port>, trusting the CA of writeCerts.
func (e *webhookEnv) register(ctx context.Context) error {
	point := func(cc *admissionregistrationv1.WebhookClientConfig) {
		if cc.Service != nil {
			u := fmt.Sprintf("https://127.0.0.1:%d%s", e.port, *cc.Service.Path)
			cc.URL, cc.Service = &u, nil
		}
		cc.CABundle = []byte(e.caPEM)
	}
	var objs []client.Object
	for _, m := range e.muts {
		m = m.DeepCopy()
		for i := range m.Webhooks {
			point(&m.Webhooks[i].ClientConfig)
		}
		objs = append(objs, m)
	}
	for _, v := range e.vals {
		v = v.DeepCopy()
		for i := range v.Webhooks {
			point(&v.Webhooks[i].ClientConfig)
		}
		objs = append(objs, v)
	}
	for _, o := range objs {
		if err := e.cp.Client.Create(ctx, o); err != nil {
			return fmt.Errorf("registering %s: %w", o.GetName(), err)
		}
	}
	e.registered = true
	return nil
}

// unregister deletes the configurations, so the API server stops calling a
// server that is gone (the node webhook fails closed).
func (e *webhookEnv) unregister(ctx context.Context) error {
	if !e.registered {
		return nil
	}
	var errs []error
	for _, m := range e.muts {
		errs = append(errs, client.IgnoreNotFound(e.cp.Client.Delete(ctx, m.DeepCopy())))
	}
	for _, v := range e.vals {
		errs = append(errs, client.IgnoreNotFound(e.cp.Client.Delete(ctx, v.DeepCopy())))
	}
	e.registered = false
	return errors.Join(errs...)
}
