package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
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

func quantile(ds []time.Duration, q float64) time.Duration {
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
func labelEdits(ctx context.Context, cs kubernetes.Interface, node string, n int) (pair, error) {
	var p pair
	values := []string{"false", "true"}
	for i := range n {
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

// memory returns this process's resident set and Go heap in use, in MiB,
// after returning freed memory to the OS.
func memory() (rss, heap float64, err error) {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0, fmt.Errorf("reading /proc/self/status: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err != nil {
				return 0, 0, fmt.Errorf("parsing VmRSS %q: %w", v, err)
			}
			return kb / 1024, float64(ms.HeapInuse) / (1 << 20), nil
		}
	}
	return 0, 0, fmt.Errorf("no VmRSS in /proc/self/status")
}
