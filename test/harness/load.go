package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/gpuguard/gpuguard/config"
)

// LoadResult is what a LabelLoad did.
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

// LabelLoad sends exactly n requests from workers goroutines. Each worker
// toggles a deploy label of its own component on node between "false" and
// "" (edits a person may make, never enabling a component), so every
// request changes a judged key, passes the node webhook's matchConditions
// and is judged. The marks pause it (see Mark); it ends early only if a
// mark fails or ctx is done.
func (cp *ControlPlane) LabelLoad(ctx context.Context, node string, n int64, workers int, marks ...*Mark) LoadResult {
	var next, sent, failed atomic.Int64
	var first, markErr atomic.Value
	start := time.Now()
	var wg sync.WaitGroup
	components := config.KnownComponents()
	if workers > len(components) {
		workers = len(components) // one key per worker, or requests collide
	}
	keys := make([]string, workers)
	for w := range keys {
		keys[w] = "nvidia.com/gpu.deploy." + components[w].Name
	}
	restore, err := cp.labelsPatch(ctx, node, keys)
	if err != nil {
		return LoadResult{MarkErr: err}
	}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := keys[w]
			values := []string{"false", ""}
			toggle := 0
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
				patch := fmt.Sprintf(`{"metadata":{"labels":{%q:%q}}}`, key, values[toggle])
				toggle = 1 - toggle
				if _, err := cp.Clientset.CoreV1().Nodes().Patch(ctx, node, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
					failed.Add(1)
					first.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	wg.Wait()
	r := LoadResult{Sent: sent.Load(), Failed: failed.Load(), Elapsed: time.Since(start)}
	// Leave the node as the load found it: tests that run later edit the
	// same deploy labels and expect their edits to change something.
	if _, err := cp.Clientset.CoreV1().Nodes().Patch(context.Background(), node, types.MergePatchType, restore, metav1.PatchOptions{}); err != nil {
		markErr.CompareAndSwap(nil, fmt.Errorf("restoring the labels the load toggled on %s: %w", node, err))
	}
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

// labelsPatch returns the merge patch that sets keys back to their values on
// node now (null for an absent key).
func (cp *ControlPlane) labelsPatch(ctx context.Context, node string, keys []string) ([]byte, error) {
	n, err := cp.Clientset.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("reading node %s before the load: %w", node, err)
	}
	labels := map[string]any{}
	for _, k := range keys {
		if v, ok := n.Labels[k]; ok {
			labels[k] = v
		} else {
			labels[k] = nil
		}
	}
	return json.Marshal(map[string]any{"metadata": map[string]any{"labels": labels}})
}
