package scheduling

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/test/harness"
)

var stack *harness.Stack

func TestMain(m *testing.M) {
	os.Exit(harness.Main(m, harness.StackOptions{}, func(s *harness.Stack) error { stack = s; return nil }))
}

// kubectl runs the pinned kubectl as the admin, stdin from in, and returns
// its combined output.
func kubectl(in string, args ...string) (string, error) {
	cmd := exec.Command(stack.Kubectl, append([]string{"--kubeconfig", stack.Kubeconfig}, args...)...)
	cmd.Stdin = strings.NewReader(in)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func apply(t *testing.T, manifest string) string {
	t.Helper()
	out, err := kubectl(manifest, "apply", "-f", "-")
	require.NoError(t, err, out)
	return out
}

// eventually polls cond every 200 ms for at most three minutes (a loaded
// 2-core machine runs etcd, the API server, the scheduler, the controllers
// and kwok at once); state describes the last observation on failure.
func eventually(t *testing.T, what string, cond func(ctx context.Context) (bool, string)) {
	t.Helper()
	var state string
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, 3*time.Minute, true,
		func(ctx context.Context) (bool, error) {
			var ok bool
			ok, state = cond(ctx)
			return ok, nil
		})
	require.NoError(t, err, "%s; last seen: %s", what, state)
}

// pods lists the pods in ns matching a label selector.
func pods(ctx context.Context, ns, selector string) ([]corev1.Pod, error) {
	l, err := stack.Clientset.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, err
	}
	return l.Items, nil
}

// placement describes pods as name@node:phase, for failure messages.
func placement(ps []corev1.Pod) string {
	var s []string
	for _, p := range ps {
		s = append(s, fmt.Sprintf("%s@%s:%s", p.Name, p.Spec.NodeName, p.Status.Phase))
	}
	return "[" + strings.Join(s, " ") + "]"
}

// runningOn reports whether there are n pods, all Running on node.
func runningOn(ps []corev1.Pod, n int, node string) bool {
	if len(ps) != n {
		return false
	}
	for _, p := range ps {
		if p.Spec.NodeName != node || p.Status.Phase != corev1.PodRunning {
			return false
		}
	}
	return true
}

// podWebhookCalls counts the admission requests the pod webhooks received,
// from the in-process webhook server's controller-runtime metrics.
func podWebhookCalls(t *testing.T) int {
	t.Helper()
	n, err := harness.WebhookRequests(config.PathMutatePods, config.PathValidatePods)
	require.NoError(t, err)
	return n
}
