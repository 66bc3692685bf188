package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/test/harness"
)

const (
	namespace = "chaos"
	// perPhase GPU pods and as many CPU pods are created in each phase,
	// all at once.
	perPhase = 4
	// failedCalling is how the API server words a webhook it could not
	// call (k8s.io/apiserver pkg/admission/plugin/webhook/errors).
	failedCalling = "failed calling webhook"
)

// phase is one state of the webhook while pods are created.
type phase struct {
	name string
	// outage: the API server cannot get an answer from the webhook.
	outage     bool
	start, end func(context.Context) error
}

func phases() []phase {
	proxy := func(m harness.ProxyMode) func(context.Context) error {
		return func(context.Context) error { return stack.Proxy.SetMode(m) }
	}
	return []phase{
		{name: "up"},
		// Connections refused: no replica left behind the Service.
		{name: "unreachable", outage: true, start: proxy(harness.ProxyDown), end: proxy(harness.ProxyUp)},
		{name: "reachable"},
		// The server itself stopped (connections reach its closed port),
		// then a new one started on the same address.
		{name: "stopped", outage: true, start: func(context.Context) error { return stack.Webhook.Kill() }, end: stack.RestartWebhook},
		{name: "restarted"},
		// Connections accepted and never answered: the configurations'
		// timeoutSeconds ends each call.
		{name: "frozen", outage: true, start: proxy(harness.ProxyFrozen), end: proxy(harness.ProxyUp)},
		{name: "thawed"},
	}
}

// TestPodCreatesThroughWebhookOutages: with the chart's default pod
// failurePolicy (Ignore) and with Fail, GPU and CPU pods are created while
// the webhook is up, unreachable, stopped and restarted, and frozen. CPU
// pods (nvidia.com/gpu: 0 among them) are always created, untouched, and
// never reach the webhook. During
// an outage GPU pods are created unmutated with Ignore, and with Fail every
// GPU create fails with the API server's "failed calling webhook". Once the
// webhook is back, every GPU pod is admitted and mutated again.
func TestPodCreatesThroughWebhookOutages(t *testing.T) {
	ctx := context.Background()
	require.NoError(t, stack.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}))
	for _, policy := range []admissionregistrationv1.FailurePolicyType{admissionregistrationv1.Ignore, admissionregistrationv1.Fail} {
		t.Run(string(policy), func(t *testing.T) {
			usePolicy(t, policy)
			for _, ph := range phases() {
				runPhase(t, policy, ph)
			}
		})
	}
}

// runPhase creates the phase's pods in its webhook state and checks each.
func runPhase(t *testing.T, policy admissionregistrationv1.FailurePolicyType, ph phase) {
	ctx := context.Background()
	if ph.start != nil {
		require.NoError(t, ph.start(ctx), "starting phase %s", ph.name)
	}
	ended := false
	end := func() {
		if ph.end != nil && !ended {
			ended = true
			require.NoError(t, ph.end(ctx), "ending phase %s", ph.name)
		}
	}
	// The next phases (and the next policy) need the webhook back even
	// where a check below fails.
	defer end()

	prefix := strings.ToLower(string(policy)) + "-" + ph.name
	results := createAll(ctx, prefix)
	end()
	var failed, unmutated int
	for _, r := range results {
		switch {
		case r.kind != gpuPod:
			if assert.NoError(t, r.err, "CPU pod %s (%s)", r.name, ph.name) {
				assert.True(t, untouched(r.pod), "CPU pod %s (%s) was changed: %s", r.name, ph.name, describe(r.pod))
			}
		case !ph.outage:
			if assert.NoError(t, r.err, "GPU pod %s (%s)", r.name, ph.name) {
				assert.True(t, mutated(r.pod), "GPU pod %s (%s) was not mutated: %s", r.name, ph.name, describe(r.pod))
			}
		case policy == admissionregistrationv1.Ignore:
			// Unmutated is the price of Ignore; it also shows that the
			// outage was real.
			unmutated++
			if assert.NoError(t, r.err, "GPU pod %s (%s, Ignore)", r.name, ph.name) {
				assert.True(t, untouched(r.pod), "GPU pod %s (%s) reached the webhook during the outage: %s", r.name, ph.name, describe(r.pod))
			}
		default:
			failed++
			if assert.Error(t, r.err, "GPU pod %s (%s, Fail) was created during the outage: %s", r.name, ph.name, describe(r.pod)) {
				assert.Contains(t, r.err.Error(), failedCalling, "GPU pod %s (%s)", r.name, ph.name)
			}
		}
	}
	t.Logf("%s: %d CPU pods created; of %d GPU creates, %d created unmutated, %d failed", ph.name, perPhase, perPhase, unmutated, failed)
	if !ph.outage {
		cpuPodsNeverCallTheWebhook(t, prefix)
	}
}

// result is one pod create: what the API server stored, or its error.
type result struct {
	name string
	kind podKind
	pod  *corev1.Pod
	err  error
}

// createAll creates perPhase GPU and perPhase CPU pods concurrently, so that
// CPU creates run while GPU creates wait on the webhook. Every other CPU pod
// asks for nvidia.com/gpu: 0, which is no GPU pod either.
func createAll(ctx context.Context, prefix string) []result {
	results := make([]result, 0, 2*perPhase)
	for i := range perPhase {
		cpu := result{name: fmt.Sprintf("%s-cpu-%d", prefix, i), kind: cpuPod}
		if i%2 == 1 {
			cpu.kind = zeroGPUPod
		}
		results = append(results, result{name: fmt.Sprintf("%s-gpu-%d", prefix, i), kind: gpuPod}, cpu)
	}
	var wg sync.WaitGroup
	for i := range results {
		r := &results[i]
		wg.Go(func() {
			r.pod, r.err = stack.Clientset.CoreV1().Pods(namespace).Create(ctx, pod(r.name, r.kind), metav1.CreateOptions{})
		})
	}
	wg.Wait()
	return results
}

// cpuPodsNeverCallTheWebhook creates CPU pods with the webhook up and
// checks that its pod paths received nothing.
func cpuPodsNeverCallTheWebhook(t *testing.T, prefix string) {
	t.Helper()
	before := podWebhookCalls(t)
	for i, k := range []podKind{cpuPod, zeroGPUPod} {
		_, err := stack.Clientset.CoreV1().Pods(namespace).Create(context.Background(), pod(fmt.Sprintf("%s-cpu-only-%d", prefix, i), k), metav1.CreateOptions{})
		require.NoError(t, err)
	}
	assert.Equal(t, before, podWebhookCalls(t), "CPU pods reached the pod webhooks")
}

func podWebhookCalls(t *testing.T) int {
	t.Helper()
	n, err := harness.WebhookRequests(config.PathMutatePods, config.PathValidatePods)
	require.NoError(t, err)
	return n
}

// usePolicy sets the pod webhooks' failurePolicy to what the chart renders
// with podFailurePolicy=policy, and waits until the API server applies it
// (it reads webhook configurations from a watch): a dry-run GPU create with
// the webhook unreachable fails (Fail) or passes (Ignore), and one with the
// webhook up comes back mutated.
func usePolicy(t *testing.T, policy admissionregistrationv1.FailurePolicyType) {
	t.Helper()
	ctx := context.Background()
	chart, err := harness.RenderChart("podFailurePolicy=" + string(policy))
	require.NoError(t, err)
	for _, o := range chart.Objects {
		switch o.(type) {
		case *admissionregistrationv1.MutatingWebhookConfiguration, *admissionregistrationv1.ValidatingWebhookConfiguration:
		default:
			continue
		}
		patch := failurePolicies(t, o)
		require.NoError(t, stack.Client.Patch(ctx, o, client.RawPatch(types.StrategicMergePatchType, patch)), "patching %s", o.GetName())
	}

	require.NoError(t, stack.Proxy.SetMode(harness.ProxyDown))
	probe(t, "a dry-run GPU create with the webhook unreachable to follow failurePolicy "+string(policy), func(_ *corev1.Pod, err error) bool {
		if policy == admissionregistrationv1.Fail {
			return err != nil && strings.Contains(err.Error(), failedCalling)
		}
		return err == nil
	})
	require.NoError(t, stack.Proxy.SetMode(harness.ProxyUp))
	probe(t, "a dry-run GPU create to come back mutated", func(p *corev1.Pod, err error) bool {
		return err == nil && mutated(p)
	})
}

// failurePolicies is a strategic merge patch (webhooks merge by name) that
// sets each webhook's failurePolicy to the one in o.
func failurePolicies(t *testing.T, o client.Object) []byte {
	t.Helper()
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
	require.NoError(t, err)
	var hooks []map[string]any
	for _, h := range u["webhooks"].([]any) {
		h := h.(map[string]any)
		hooks = append(hooks, map[string]any{"name": h["name"], "failurePolicy": h["failurePolicy"]})
	}
	patch, err := json.Marshal(map[string]any{"webhooks": hooks})
	require.NoError(t, err)
	return patch
}

// probe repeats a dry-run GPU create until ok accepts its answer, for at
// most a minute.
func probe(t *testing.T, what string, ok func(*corev1.Pod, error) bool) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		p, err := stack.Clientset.CoreV1().Pods(namespace).Create(ctx, pod("probe", gpuPod), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		last = err
		return ok(p, err), nil
	})
	require.NoError(t, err, "waiting for %s (last error: %v)", what, last)
}

// podKind is what a test pod asks for.
type podKind int

const (
	cpuPod     podKind = iota // only CPU
	zeroGPUPod                // CPU and nvidia.com/gpu: 0, no GPU pod either
	gpuPod                    // one nvidia.com/gpu
)

// pod is a pod of kind k. A scheduling gate keeps it off the scheduler:
// only admission is under test.
func pod(name string, k podKind) *corev1.Pod {
	limits := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}
	switch k {
	case zeroGPUPod:
		limits["nvidia.com/gpu"] = resource.MustParse("0")
	case gpuPod:
		limits["nvidia.com/gpu"] = resource.MustParse("1")
	case cpuPod:
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: corev1.PodSpec{
			SchedulingGates: []corev1.PodSchedulingGate{{Name: "gpuguard.io/chaos-test"}},
			Containers: []corev1.Container{{
				Name: "main", Image: "nvcr.io/nvidia/cuda:13.0.0-base-ubuntu24.04",
				Resources: corev1.ResourceRequirements{Limits: limits},
			}},
		},
	}
}

func gpuToleration(t corev1.Toleration) bool { return t.Key == "nvidia.com/gpu" }

// mutated: the pod webhook gave it the RuntimeClass, the GPU toleration and
// the node affinity of a GPU pod.
func mutated(p *corev1.Pod) bool {
	return p.Spec.RuntimeClassName != nil && *p.Spec.RuntimeClassName == config.DefaultRuntimeClassName &&
		p.Spec.Affinity != nil && p.Spec.Affinity.NodeAffinity != nil &&
		slices.ContainsFunc(p.Spec.Tolerations, gpuToleration)
}

// untouched: none of what the pod webhook adds.
func untouched(p *corev1.Pod) bool {
	return p.Spec.RuntimeClassName == nil && p.Spec.Affinity == nil && !slices.ContainsFunc(p.Spec.Tolerations, gpuToleration)
}

func describe(p *corev1.Pod) string {
	if p == nil || p.Name == "" {
		return "(no pod)"
	}
	rc := "<nil>"
	if p.Spec.RuntimeClassName != nil {
		rc = *p.Spec.RuntimeClassName
	}
	return fmt.Sprintf("runtimeClassName=%s affinity=%t tolerations=%v", rc, p.Spec.Affinity != nil, p.Spec.Tolerations)
}
