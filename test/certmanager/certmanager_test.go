package certmanager

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
	cmclient "github.com/cert-manager/cert-manager/pkg/client/clientset/versioned"
	"github.com/go-logr/logr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2"

	"github.com/gpuguard/gpuguard/certs"
	"github.com/gpuguard/gpuguard/test/harness"
	"github.com/gpuguard/gpuguard/webhooks/server"
)

var cp *harness.ControlPlane

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	// cert-manager logs through klog; its routine retries would drown the
	// test output.
	klog.SetLogger(logr.Discard())
	var err error
	if cp, err = harness.Start(harness.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = cp.Stop() }()
	if err := InstallCRDs(cp.Config); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := Start(ctx, cp.Kubeconfig, cp.Config); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// syncSecret copies the serving Secret into dir, as the kubelet keeps a
// mounted Secret volume current.
func syncSecret(ctx context.Context, dir string) {
	go func() {
		var last string
		for ctx.Err() == nil {
			s, err := cp.Clientset.CoreV1().Secrets(harness.Namespace).Get(ctx, harness.TLSSecret, metav1.GetOptions{})
			if err == nil && s.ResourceVersion != last && len(s.Data["tls.crt"]) > 0 {
				for _, k := range []string{"tls.key", "tls.crt"} {
					tmp := filepath.Join(dir, "."+k)
					if os.WriteFile(tmp, s.Data[k], 0o600) == nil {
						_ = os.Rename(tmp, filepath.Join(dir, k))
					}
				}
				last = s.ResourceVersion
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
}

func TestCertManagerMode(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	chart, err := harness.RenderChart("certManager.enabled=true", "mig.strategy=mixed")
	require.NoError(t, err)
	require.NoError(t, cp.Install(ctx, chart))
	for _, o := range chart.Other {
		u := &unstructured.Unstructured{Object: o}
		if u.GetKind() == "Certificate" && u.GetName() == harness.Release+"-webhook" {
			// Tests reach the server at 127.0.0.1, not through the Service.
			require.NoError(t, unstructured.SetNestedStringSlice(u.Object, []string{"127.0.0.1"}, "spec", "ipAddresses"))
		}
		require.NoError(t, cp.Client.Create(ctx, u), "%s %s", u.GetKind(), u.GetName())
	}
	dir := t.TempDir()
	syncSecret(ctx, dir)
	src := certs.NewFileSource(dir, logr.Discard())
	src.Interval = 100 * time.Millisecond
	require.NoError(t, cp.CreateNodes(ctx, []harness.FakeNode{{Name: "gpu-0"}}))
	policy, err := cp.PolicyFrom(chart, "policy.yaml")
	require.NoError(t, err)
	start := time.Now()
	w, err := cp.StartWebhook(ctx, server.Config{PolicyFile: policy}, chart, harness.WebhookOptions{Register: true, Source: src})
	require.NoError(t, err, "the server becomes ready once cert-manager has issued its certificate")
	t.Cleanup(func() { assert.NoError(t, w.Stop(context.Background())) })
	t.Logf("certificate issued and served %s after the chart was applied", time.Since(start).Round(time.Millisecond))

	// cainjector fills caBundle from the serving Certificate's CA.
	require.NoError(t, wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		v := &admissionregistrationv1.ValidatingWebhookConfiguration{}
		if err := cp.Client.Get(ctx, types.NamespacedName{Name: harness.Release + "-validating"}, v); err != nil {
			return false, nil //nolint:nilerr // keep polling
		}
		return len(v.Webhooks[0].ClientConfig.CABundle) > 0, nil
	}))

	// An admission decision through the API server, on cert-manager's certificate.
	_, err = cp.Clientset.CoreV1().Nodes().Patch(ctx, "gpu-0", types.MergePatchType,
		[]byte(`{"metadata":{"labels":{"nvidia.com/gpu.deploy.dcgm-exporter":"True"}}}`), metav1.PatchOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `values are case-sensitive: use "true", not "True"`)

	rotationUnderLoad(ctx, t, src)
}

// rotationUnderLoad sends 2,000 admission requests through the API server
// while cert-manager renews the serving certificate twice: each renewal is
// triggered (as `cmctl renew` does) at a fixed point of the load, which goes
// on past the next point only once the renewed certificate is served,
// however long issuing takes.
func rotationUnderLoad(ctx context.Context, t *testing.T, src *certs.FileSource) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute) // a hang guard, not a speed bound
	defer cancel()
	cm, err := cmclient.NewForConfig(cp.Config)
	require.NoError(t, err)
	const n = 2000
	var mu sync.Mutex
	seen := []string{src.Serial()}
	var renewedFrom string
	renew := func(ctx context.Context) error {
		mu.Lock()
		renewedFrom = src.Serial()
		mu.Unlock()
		return triggerRenewal(ctx, cm)
	}
	renewed := func() bool {
		mu.Lock()
		defer mu.Unlock()
		s := src.Serial()
		if s != seen[len(seen)-1] {
			seen = append(seen, s)
		}
		return s != renewedFrom
	}
	r := cp.LabelLoad(ctx, "gpu-0", n, 8,
		&harness.Mark{At: n / 4, Do: renew},
		&harness.Mark{At: n / 2, Wait: renewed, Do: renew},
		&harness.Mark{At: 3 * n / 4, Wait: renewed},
	)
	t.Logf("%s; serving certificates %v", r, seen)
	require.NoError(t, r.MarkErr)
	assert.Zero(t, r.Failed, "first error: %v", r.FirstErr)
	assert.Equal(t, int64(n), r.Sent)
	assert.GreaterOrEqual(t, len(seen)-1, 2, "cert-manager renewed the certificate twice during the load")
}

// triggerRenewal sets the Issuing condition on the serving Certificate, as
// `cmctl renew` does, once an earlier issuance has finished (cert-manager
// removes the condition after writing the Secret).
func triggerRenewal(ctx context.Context, cm cmclient.Interface) error {
	certs := cm.CertmanagerV1().Certificates(harness.Namespace)
	return wait.PollUntilContextCancel(ctx, 20*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		crt, err := certs.Get(ctx, harness.Release+"-webhook", metav1.GetOptions{})
		if err != nil {
			return false, nil //nolint:nilerr // retry until the hang guard
		}
		for _, c := range crt.Status.Conditions {
			if c.Type == cmapi.CertificateConditionIssuing && c.Status == cmmeta.ConditionTrue {
				return false, nil // still issuing the previous one
			}
		}
		crt.Status.Conditions = append(crt.Status.Conditions, cmapi.CertificateCondition{
			Type: cmapi.CertificateConditionIssuing, Status: cmmeta.ConditionTrue,
			Reason: "ManuallyTriggered", Message: "renewal triggered by the gpuguard rotation test",
		})
		_, err = certs.UpdateStatus(ctx, crt, metav1.UpdateOptions{})
		return err == nil, nil
	})
}
