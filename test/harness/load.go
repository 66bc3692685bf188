package harness

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
)

// LoadResult is what an AnnotationLoad did.
type LoadResult struct {
	Sent, Failed int64
	FirstErr     error
	// MarkErr is set when a mark's condition or action failed (the load
	// stopped there).
	MarkErr error
	Elapsed time.Duration
}

// String summarises the load for test logs (the time is information, never
// asserted).
func (r LoadResult) String() string {
	return fmt.Sprintf("%d requests in %s, %d failed", r.Sent, r.Elapsed.Round(time.Millisecond), r.Failed)
}

// Mark is a point in a load. Request At and every later one go out only
// once Wait (when set) reports true — the load waits for it however long it
// takes, within the load's context — and Do (when set) has run, once.
// Requests before At keep flowing meanwhile.
type Mark struct {
	At   int64
	Wait func() bool
	Do   func(ctx context.Context) error

	once sync.Once
	err  error
}

// pass blocks until the mark is passed; false when it failed.
func (m *Mark) pass(ctx context.Context) bool {
	m.once.Do(func() {
		if m.Wait != nil {
			err := wait.PollUntilContextCancel(ctx, 20*time.Millisecond, true, func(context.Context) (bool, error) {
				return m.Wait(), nil
			})
			if err != nil {
				m.err = fmt.Errorf("load paused at request %d: its condition never held: %w", m.At, err)
				return
			}
		}
		if m.Do != nil {
			if err := m.Do(ctx); err != nil {
				m.err = fmt.Errorf("load paused at request %d: %w", m.At, err)
			}
		}
	})
	return m.err == nil
}

// AnnotationLoad sends exactly n requests from workers goroutines, each
// patching a gpuguard.io annotation of node with a new value, so that each
// one passes the node webhook's matchConditions and is judged. The marks
// pause it (see Mark); it ends early only if a mark fails or ctx is done.
func (cp *ControlPlane) AnnotationLoad(ctx context.Context, node string, n int64, workers int, marks ...*Mark) LoadResult {
	var next, sent, failed atomic.Int64
	var first, markErr atomic.Value
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := next.Add(1)
				if i > n {
					return
				}
				for _, m := range marks {
					if i >= m.At && !m.pass(ctx) {
						markErr.CompareAndSwap(nil, m.err)
						return
					}
				}
				sent.Add(1)
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
	if err, ok := markErr.Load().(error); ok {
		r.MarkErr = err
	} else if err := ctx.Err(); err != nil && r.Sent < n {
		r.MarkErr = fmt.Errorf("load stopped after %d of %d requests: %w", r.Sent, n, err)
	}
	return r
}
