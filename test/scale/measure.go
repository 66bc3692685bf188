package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// pair is the latency of a request that the webhooks judge and of its twin
// that they never see, sent right after it.
type pair struct{ judged, plain []time.Duration }

// added is the latency the webhooks add at quantile q: the judged requests'
// quantile minus the plain ones'.
func (p pair) added(q float64) time.Duration { return quantile(p.judged, q) - quantile(p.plain, q) }

// quantile is the nearest-rank quantile q of ds (0 when empty).
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[int(q*float64(len(s)-1))]
}

func podOf(gpu bool) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{GenerateName: "bench-", Namespace: "default"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "nvcr.io/nvidia/cuda:13.0.0-base-ubuntu24.04"}}}}
	limits := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}
	if gpu {
		limits["nvidia.com/gpu"] = resource.MustParse("1")
		p.Annotations = map[string]string{"gpuguard.io/gpu-memory-min": "60Gi"}
	}
	p.Spec.Containers[0].Resources.Limits = limits
	return p
}

// podCreates sends n GPU pod creates, each followed by a CPU pod create, as
// server-side dry runs (admission runs, nothing is stored).
func podCreates(ctx context.Context, cs kubernetes.Interface, n int) (pair, error) {
	var p pair
	dry := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	for range n {
		for _, gpu := range []bool{true, false} {
			start := time.Now()
			if _, err := cs.CoreV1().Pods("default").Create(ctx, podOf(gpu), dry); err != nil {
				return p, fmt.Errorf("creating a pod (GPU %v): %w", gpu, err)
			}
			if gpu {
				p.judged = append(p.judged, time.Since(start))
			} else {
				p.plain = append(p.plain, time.Since(start))
			}
		}
	}
	return p, nil
}

// labelEdits flips a deploy label of node (judged by the node webhook) and,
// after each, a label outside nvidia.com/ (which its matchConditions skip).
// The first flip of a round writes "false" when from is even.
func labelEdits(ctx context.Context, cs kubernetes.Interface, node string, n, from int) (pair, error) {
	var p pair
	values := []string{"false", "true"}
	for i := from; i < from+n; i++ {
		for _, key := range []string{"nvidia.com/gpu.deploy.dcgm-exporter", "example.com/team"} {
			patch := fmt.Sprintf(`{"metadata":{"labels":{%q:%q}}}`, key, values[i%2])
			start := time.Now()
			if _, err := cs.CoreV1().Nodes().Patch(ctx, node, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
				return p, fmt.Errorf("labelling node %s with %s: %w", node, key, err)
			}
			if strings.HasPrefix(key, "nvidia.com/") {
				p.judged = append(p.judged, time.Since(start))
			} else {
				p.plain = append(p.plain, time.Since(start))
			}
		}
	}
	return p, nil
}

// merge appends q's latencies to p's.
func (p *pair) merge(q pair) {
	p.judged = append(p.judged, q.judged...)
	p.plain = append(p.plain, q.plain...)
}

// median of ds (0 when empty).
func median(ds []time.Duration) time.Duration { return quantile(ds, 0.5) }
