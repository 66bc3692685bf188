package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gpuguard/gpuguard/certs"
	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/test/harness"
)

// servedSerial dials addr and returns the serial of the certificate it
// serves, verified against the CA bundle of a webhook configuration.
func servedSerial(t *testing.T, addr, configName string) string {
	t.Helper()
	v, err := cp.Clientset.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(context.Background(), configName, metav1.GetOptions{})
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(v.Webhooks[0].ClientConfig.CABundle))
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2", "http/1.1"}})
	require.NoError(t, err)
	defer conn.Close()
	state := conn.ConnectionState()
	assert.Equal(t, "http/1.1", state.NegotiatedProtocol, "HTTP/2 is off")
	return state.PeerCertificates[0].SerialNumber.String()
}

// Two self-managed servers started at once converge on one Secret and one
// certificate, and the injected bundle trusts it.
func TestSelfManagedReplicas(t *testing.T) {
	ctx := context.Background()
	val := &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "replicas-validating"},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name: "never.gpuguard.io", AdmissionReviewVersions: []string{"v1"},
			ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: ptrTo("https://127.0.0.1:1/never")},
			SideEffects:  ptrTo(admissionregistrationv1.SideEffectClassNone),
			// Matches nothing: this configuration only carries a CA bundle.
			ObjectSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"gpuguard.io/never": "true"}},
		}},
	}
	require.NoError(t, cp.Client.Create(ctx, val))
	t.Cleanup(func() { assert.NoError(t, cp.Client.Delete(ctx, val)) })

	type replica struct {
		w   *harness.Webhook
		err error
	}
	replicas := make([]replica, 2)
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			replicas[i].w, replicas[i].err = startReplica(ctx, "replicas-tls", val.Name)
		}()
	}
	wg.Wait()
	for _, r := range replicas {
		require.NoError(t, r.err)
		t.Cleanup(func() { assert.NoError(t, r.w.Stop(ctx)) })
	}
	secrets, err := cp.Clientset.CoreV1().Secrets(harness.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/managed-by=gpuguard"})
	require.NoError(t, err)
	var names []string
	for _, s := range secrets.Items {
		names = append(names, s.Name)
	}
	assert.ElementsMatch(t, []string{harness.TLSSecret, "replicas-tls"}, names, "one Secret for the pair")
	a, b := servedSerial(t, replicas[0].w.Addr, val.Name), servedSerial(t, replicas[1].w.Addr, val.Name)
	assert.Equal(t, a, b, "both replicas serve the same certificate")
}

func startReplica(ctx context.Context, secret, configName string) (*harness.Webhook, error) {
	chart, err := harness.RenderChart()
	if err != nil {
		return nil, err
	}
	return cp.StartReplica(ctx, chart, secret, []string{configName})
}

func ptrTo[T any](v T) *T { return &v }

// 2,000 requests that the node webhook must answer all succeed while the
// serving certificate is rotated twice: the test forces each rotation at a
// fixed point of the load and lets the load go on only once the new
// certificate is served, however long that takes. Nothing here depends on
// how fast the machine is.
func TestRotationUnderLoad(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute) // a hang guard, not a speed bound
	defer cancel()
	w := stack.Webhook
	before := webhookRequests(t, config.PathValidateNodes)
	const n = 2000
	var mu sync.Mutex
	serials := map[string]bool{w.Certs.Serial(): true}
	var forced string // serial served when the last rotation was forced
	force := func(ctx context.Context) error {
		mu.Lock()
		forced = w.Certs.Serial()
		mu.Unlock()
		return w.ForceRotation(ctx)
	}
	rotated := func() bool {
		mu.Lock()
		defer mu.Unlock()
		s := w.Certs.Serial()
		serials[s] = true
		return s != forced
	}
	r := cp.LabelLoad(ctx, "cpu-0", n, 8,
		&harness.Mark{At: n / 4, Do: force},
		&harness.Mark{At: n / 2, Wait: rotated, Do: force},
		&harness.Mark{At: 3 * n / 4, Wait: rotated},
	)
	t.Logf("%s; %d serving certificates seen", r, len(serials))
	require.NoError(t, r.MarkErr)
	assert.Zero(t, r.Failed, "first error: %v", r.FirstErr)
	assert.Equal(t, int64(n), r.Sent)
	assert.GreaterOrEqual(t, len(serials)-1, 2, "the certificate rotated at least twice during the load")
	assert.GreaterOrEqual(t, webhookRequests(t, config.PathValidateNodes)-before, n, "each request went through the webhook")
}

var _ certs.Source = (*certs.SelfManaged)(nil)
