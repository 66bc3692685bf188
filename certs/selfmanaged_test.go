package certs

import (
	"context"
	"crypto/x509"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
)

func clientWithWebhooks() kubernetes.Interface {
	hook := admissionregistrationv1.ValidatingWebhook{Name: "nodes.gpuguard.io"}
	mhook := admissionregistrationv1.MutatingWebhook{Name: "pods.gpuguard.io"}
	return fake.NewClientset(
		&admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "gpuguard-validating"}, Webhooks: []admissionregistrationv1.ValidatingWebhook{hook, hook}},
		&admissionregistrationv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "gpuguard-mutating"}, Webhooks: []admissionregistrationv1.MutatingWebhook{mhook}},
	)
}

func source(c kubernetes.Interface, now *time.Time) *SelfManaged {
	return &SelfManaged{
		Client: c, Namespace: "gpuguard", SecretName: "gpuguard-webhook-tls",
		DNSNames: []string{"gpuguard-webhook.gpuguard.svc"}, IPs: []net.IP{net.ParseIP("127.0.0.1")},
		ValidatingWebhooks: []string{"gpuguard-validating"}, MutatingWebhooks: []string{"gpuguard-mutating"},
		CAValidity: 300 * 24 * time.Hour, Validity: 30 * 24 * time.Hour,
		Now: func() time.Time { return *now },
	}
}

func bundle(t *testing.T, c kubernetes.Interface) []*x509.Certificate {
	t.Helper()
	v, err := c.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(context.Background(), "gpuguard-validating", metav1.GetOptions{})
	require.NoError(t, err)
	m, err := c.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(context.Background(), "gpuguard-mutating", metav1.GetOptions{})
	require.NoError(t, err)
	for _, w := range v.Webhooks {
		assert.Equal(t, m.Webhooks[0].ClientConfig.CABundle, w.ClientConfig.CABundle, "every webhook carries the same bundle")
	}
	return parseCerts(m.Webhooks[0].ClientConfig.CABundle)
}

// verify checks that the served certificate chains to the injected bundle.
func verify(t *testing.T, s *SelfManaged, cas []*x509.Certificate, now time.Time) *x509.Certificate {
	t.Helper()
	c, err := s.GetCertificate(nil)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	for _, ca := range cas {
		pool.AddCert(ca)
	}
	_, err = c.Leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "gpuguard-webhook.gpuguard.svc", CurrentTime: now})
	require.NoError(t, err)
	return c.Leaf
}

func TestSelfManagedLifecycle(t *testing.T) {
	ctx := context.Background()
	c := clientWithWebhooks()
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	s := source(c, &now)
	require.ErrorIs(t, s.Ready(), ErrNoCertificate)
	require.NoError(t, s.Ensure(ctx))
	require.NoError(t, s.Ready())
	cas := bundle(t, c)
	require.Len(t, cas, 1)
	first := verify(t, s, cas, now)
	assert.Equal(t, []net.IP{net.ParseIP("127.0.0.1").To4()}, first.IPAddresses)

	// Nothing due: nothing changes.
	require.NoError(t, s.Ensure(ctx))
	assert.Equal(t, first.SerialNumber, verify(t, s, cas, now).SerialNumber)

	// Two thirds into the serving certificate's life: a new one, same CA.
	now = now.Add(21 * 24 * time.Hour)
	require.NoError(t, s.Ensure(ctx))
	second := verify(t, s, bundle(t, c), now)
	assert.NotEqual(t, first.SerialNumber, second.SerialNumber)
	assert.Equal(t, cas[0].Raw, bundle(t, c)[0].Raw)

	// Two thirds into the CA's life: a new CA, the old one kept in the
	// bundle, the new certificate signed by the new CA.
	now = now.Add(200 * 24 * time.Hour)
	require.NoError(t, s.Ensure(ctx))
	cas2 := bundle(t, c)
	require.Len(t, cas2, 2, "overlap: old and new CA both trusted")
	assert.Equal(t, cas[0].Raw, cas2[1].Raw)
	third := verify(t, s, cas2[:1], now)
	assert.NoError(t, third.CheckSignatureFrom(cas2[0]))

	// After the old CA expires it leaves the bundle.
	now = now.Add(100 * 24 * time.Hour)
	require.NoError(t, s.Ensure(ctx))
	assert.Len(t, bundle(t, c), 1)
	verify(t, s, bundle(t, c), now)
}

func TestSelfManagedReplicasConverge(t *testing.T) {
	c := clientWithWebhooks()
	now := time.Now()
	a, b := source(c, &now), source(c, &now)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, s := range []*SelfManaged{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Ensure(context.Background())
		}()
	}
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	ca, _ := a.GetCertificate(nil)
	cb, _ := b.GetCertificate(nil)
	assert.Equal(t, ca.Leaf.SerialNumber, cb.Leaf.SerialNumber, "both replicas serve one certificate")
	secrets, err := c.CoreV1().Secrets("gpuguard").List(context.Background(), metav1.ListOptions{})
	require.NoError(t, err)
	assert.Len(t, secrets.Items, 1)
	verify(t, a, bundle(t, c), now)
}

func TestSelfManagedRepairsABrokenSecret(t *testing.T) {
	ctx := context.Background()
	c := clientWithWebhooks()
	now := time.Now()
	s := source(c, &now)
	require.NoError(t, s.Ensure(ctx))
	sec, err := c.CoreV1().Secrets("gpuguard").Get(ctx, "gpuguard-webhook-tls", metav1.GetOptions{})
	require.NoError(t, err)
	sec.Data[keyKey] = []byte("garbage")
	_, err = c.CoreV1().Secrets("gpuguard").Update(ctx, sec, metav1.UpdateOptions{})
	require.NoError(t, err)
	require.NoError(t, s.Ensure(ctx))
	verify(t, s, bundle(t, c), now)
}

func TestSelfManagedNeedsItsWebhooks(t *testing.T) {
	now := time.Now()
	s := source(fake.NewClientset(), &now)
	err := s.Ensure(context.Background())
	require.ErrorContains(t, err, "injecting the CA bundle into ValidatingWebhookConfiguration gpuguard-validating")
	assert.Error(t, s.Ready())
}
