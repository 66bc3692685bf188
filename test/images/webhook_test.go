//go:build images

package images

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gpuguard/gpuguard/test/harness"
)

// uid is the image's user, owner of the files mounted into the container.
const uid = 65532

func TestWebhookHelp(t *testing.T) {
	ctx := context.Background()
	name := image(ctx, t, "WEBHOOK_IMAGE")
	args := append([]string{"run", "--rm", "--network", "none"}, restricted()...)
	r := run(ctx, "podman", append(args, name, "--help")...)
	require.NoError(t, r.err, "stderr: %s", r.stderr)
	t.Logf("podman run %s --help:\n%s", name, r.stdout+r.stderr)
	assert.Contains(t, r.stderr, "-policy-file")
	assert.Contains(t, r.stderr, "-cert-mode")
}

// TestWebhookReadyz runs the webhook image as a second replica of the local
// stack's webhook (real etcd and kube-apiserver, simulated labelled
// fleet): with the arguments, user and read-only root filesystem of the
// chart's Deployment, as the chart's webhook service account. It must
// adopt the self-managed certificate, sync its caches and serve /readyz,
// and serve TLS with a certificate the Secret's CA signed.
func TestWebhookReadyz(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	name := image(ctx, t, "WEBHOOK_IMAGE")
	stack, err := harness.StartStack(ctx, harness.StackOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, stack.Stop(context.Background())) })
	chart, err := harness.RenderChart()
	require.NoError(t, err)
	deploys := harness.OfType[*appsv1.Deployment](chart)
	require.Len(t, deploys, 1)
	c := deploys[0].Spec.Template.Spec.Containers[0]
	assert.Equal(t, int64(uid), *c.SecurityContext.RunAsUser, "the chart runs the image's user")
	assert.True(t, *c.SecurityContext.ReadOnlyRootFilesystem)
	assert.Equal(t, name, c.Image, "the chart's default image is the one make image builds")

	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o755))
	kubeconfig := writeKubeconfig(t, stack.ControlPlane, dir,
		"system:serviceaccount:"+deploys[0].Namespace+":"+deploys[0].Spec.Template.Spec.ServiceAccountName)
	policy, err := stack.PolicyFrom(chart, "policy.yaml")
	require.NoError(t, err)
	policyDir := filepath.Join(dir, "policy")
	require.NoError(t, os.MkdirAll(policyDir, 0o755))
	copyOwned(t, policy, filepath.Join(policyDir, "policy.yaml"))

	ports := freePorts(t, 3)
	container := fmt.Sprintf("gpuguard-webhook-test-%d", os.Getpid())
	args := append([]string{"run", "-d", "--name", container, "--network", "host",
		"-v", kubeconfig + ":/etc/gpuguard/kubeconfig:ro",
		"-v", policyDir + ":/etc/gpuguard/policy:ro",
		"-e", "POD_NAMESPACE=" + deploys[0].Namespace}, restricted()...)
	args = append(args, name)
	args = append(args, c.Args...)
	args = append(args, "--kubeconfig=/etc/gpuguard/kubeconfig", "--host=127.0.0.1",
		fmt.Sprintf("--port=%d", ports[0]),
		fmt.Sprintf("--health-probe-bind-address=127.0.0.1:%d", ports[1]),
		fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", ports[2]))
	t.Logf("podman %s", strings.Join(args, " "))
	podman(ctx, t, args...)
	t.Cleanup(func() {
		logs := run(context.Background(), "podman", "logs", container)
		t.Logf("container log:\n%s", tail(logs.stdout+logs.stderr, 40))
		_ = run(context.Background(), "podman", "rm", "-f", "-t", "5", container)
	})

	readyz := fmt.Sprintf("http://127.0.0.1:%d/readyz", ports[1])
	var body string
	var status int
	err = wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		if st := run(ctx, "podman", "inspect", "--format", "{{.State.Running}}", container); strings.TrimSpace(st.stdout) != "true" {
			return false, fmt.Errorf("the webhook container stopped")
		}
		status, body, err = get(ctx, readyz)
		return err == nil && status == http.StatusOK, nil
	})
	require.NoError(t, err, "GET %s never answered 200 (last: %d %q)", readyz, status, body)
	t.Logf("GET %s: %d %s", readyz, status, body)

	sec, err := stack.Clientset.CoreV1().Secrets(deploys[0].Namespace).Get(ctx, harness.TLSSecret, metav1.GetOptions{})
	require.NoError(t, err)
	checkServing(t, ports[0], sec, harness.Release+"-webhook."+deploys[0].Namespace+".svc")
}

// writeKubeconfig writes a kubeconfig for the control plane that acts as
// user (the admin impersonates it, so the chart's RBAC applies), readable by
// the image's user only.
func writeKubeconfig(t *testing.T, cp *harness.ControlPlane, dir, user string) string {
	t.Helper()
	rc := cp.Config
	kc := clientcmdapi.NewConfig()
	kc.Clusters["local"] = &clientcmdapi.Cluster{Server: rc.Host, CertificateAuthorityData: rc.CAData}
	kc.AuthInfos["webhook"] = &clientcmdapi.AuthInfo{
		ClientCertificateData: rc.CertData, ClientKeyData: rc.KeyData, Token: rc.BearerToken,
		Impersonate: user,
	}
	kc.Contexts["local"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "webhook"}
	kc.CurrentContext = "local"
	p := filepath.Join(dir, "kubeconfig")
	require.NoError(t, clientcmd.WriteToFile(*kc, p))
	require.NoError(t, os.Chown(p, uid, uid))
	return p
}

// copyOwned copies src to dst, owned by the image's user.
func copyOwned(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(dst, b, 0o600))
	require.NoError(t, os.Chown(dst, uid, uid))
}

func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		require.NoError(t, l.Close())
	}
	return ports
}

func get(ctx context.Context, url string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// checkServing connects to the webhook port, trusting only the CA bundle of
// the self-managed Secret, as the API server does through caBundle.
func checkServing(t *testing.T, port int, sec *corev1.Secret, serverName string) {
	t.Helper()
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(sec.Data["ca.crt"]), "Secret %s has no ca.crt", sec.Name)
	conn, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port), &tls.Config{RootCAs: pool, ServerName: serverName, MinVersion: tls.VersionTLS12})
	require.NoError(t, err, "TLS to the webhook container as %s", serverName)
	defer conn.Close()
	leaf := conn.ConnectionState().PeerCertificates[0]
	t.Logf("webhook container serves TLS: subject %q, DNS names %v, valid until %s", leaf.Subject.CommonName, leaf.DNSNames, leaf.NotAfter.Format(time.RFC3339))
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
