package harness

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// LoadResult is what an AnnotationLoad measured.
type LoadResult struct {
	Sent, Failed int64
	FirstErr     error
	Elapsed      time.Duration
}

// String summarises the load for test logs.
func (r LoadResult) String() string {
	return fmt.Sprintf("%d requests in %s (%.0f/s), %d failed", r.Sent, r.Elapsed.Round(time.Millisecond),
		float64(r.Sent)/r.Elapsed.Seconds(), r.Failed)
}

// AnnotationLoad patches a gpuguard.io annotation of node with a new value
// on every request, so each one passes the node webhook's matchConditions
// and is judged. workers send until at least minRequests went out and done
// reports true, or a minute passed (loads are bounded in count and time).
func (cp *ControlPlane) AnnotationLoad(ctx context.Context, node string, minRequests int64, workers int, done func() bool) LoadResult {
	var sent, failed atomic.Int64
	var first atomic.Value
	start := time.Now()
	deadline := start.Add(time.Minute)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for (sent.Load() < minRequests || !done()) && time.Now().Before(deadline) {
				i := sent.Add(1)
				patch := fmt.Sprintf(`{"metadata":{"annotations":{"gpuguard.io/load-test":"%d"}}}`, i)
				if _, err := cp.Clientset.CoreV1().Nodes().Patch(ctx, node, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
					failed.Add(1)
					first.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	wg.Wait()
	r := LoadResult{Sent: sent.Load(), Failed: failed.Load(), Elapsed: time.Since(start)}
	if err, ok := first.Load().(error); ok {
		r.FirstErr = err
	}
	return r
}
