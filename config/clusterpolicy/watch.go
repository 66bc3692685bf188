package clusterpolicy

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
)

// GVR is the GPU Operator's ClusterPolicy resource (group nvidia.com,
// version v1, plural clusterpolicies, cluster-scoped), as its CRD declares
// it: NVIDIA/gpu-operator config/crd/bases/nvidia.com_clusterpolicies.yaml.
var GVR = schema.GroupVersionResource{Group: "nvidia.com", Version: "v1", Resource: "clusterpolicies"}

// Observation is what the watch knows of the ClusterPolicy in force.
type Observation struct {
	// Found is true when a ClusterPolicy exists.
	Found bool
	Name  string
	UID   types.UID
	// Strategy is its spec.mig.strategy as written; "" when unset (the
	// operator then leaves the device plugin at its default, none:
	// NVIDIA/gpu-operator controllers/object_controls.go applyMIGConfiguration).
	Strategy string
	// Err is why ClusterPolicies cannot be read (e.g. Forbidden); nil when
	// they can, or when the CRD is simply not installed.
	Err error
}

// Watcher lists and watches ClusterPolicies until its context ends,
// relisting after every watch that ends, so that it also notices the CRD
// being installed or removed later.
type Watcher struct {
	client dynamic.Interface
	log    logr.Logger

	mu      sync.RWMutex
	objs    map[string]*unstructured.Unstructured
	err     error
	settled bool
	subs    []func()
	gen     atomic.Uint64
}

// NewWatcher builds a Watcher; Start runs it.
func NewWatcher(client dynamic.Interface, log logr.Logger) *Watcher {
	return &Watcher{client: client, log: log, objs: map[string]*unstructured.Unstructured{}}
}

// Subscribe calls f after every change of the observation.
func (w *Watcher) Subscribe(f func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.subs = append(w.subs, f)
}

// Generation changes whenever the observation may have changed.
func (w *Watcher) Generation() uint64 { return w.gen.Load() }

// Settled is true once the first list has answered, with objects or an
// error: from then on Observe describes the cluster.
func (w *Watcher) Settled() bool {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.settled
}

// Observe returns the ClusterPolicy in force. With several, the operator
// serves the oldest (name breaks ties) and ignores the others
// (NVIDIA/gpu-operator controllers/clusterpolicy_controller.go), and so do we.
func (w *Watcher) Observe() Observation {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.err != nil {
		return Observation{Err: w.err}
	}
	var cps []*unstructured.Unstructured
	for _, o := range w.objs {
		cps = append(cps, o)
	}
	if len(cps) == 0 {
		return Observation{}
	}
	slices.SortFunc(cps, func(a, b *unstructured.Unstructured) int {
		if c := a.GetCreationTimestamp().Compare(b.GetCreationTimestamp().Time); c != 0 {
			return c
		}
		return strings.Compare(a.GetName(), b.GetName())
	})
	s, _, _ := unstructured.NestedString(cps[0].Object, "spec", "mig", "strategy")
	return Observation{Found: true, Name: cps[0].GetName(), UID: cps[0].GetUID(), Strategy: s}
}

// Start runs the watch until ctx is done. It implements manager.Runnable.
func (w *Watcher) Start(ctx context.Context) error {
	// Retries back off to 30s: the CRD may not be installed for a long time.
	backoff := wait.Backoff{Duration: time.Second, Factor: 2, Cap: 30 * time.Second, Steps: math.MaxInt32}
	for ctx.Err() == nil {
		rv, err := w.list(ctx)
		if err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(backoff.Step()):
			}
			continue
		}
		backoff = wait.Backoff{Duration: time.Second, Factor: 2, Cap: 30 * time.Second, Steps: math.MaxInt32}
		w.watch(ctx, rv)
	}
	return nil
}

func (w *Watcher) list(ctx context.Context) (string, error) {
	l, err := w.client.Resource(GVR).List(ctx, metav1.ListOptions{})
	switch {
	case apierrors.IsNotFound(err):
		// No CRD: no GPU Operator, no ClusterPolicy. Not an error.
		w.replace(nil, nil)
		return "", err
	case err != nil:
		if ctx.Err() == nil {
			w.replace(nil, err)
		}
		return "", err
	}
	objs := make([]*unstructured.Unstructured, len(l.Items))
	for i := range l.Items {
		objs[i] = &l.Items[i]
	}
	w.replace(objs, nil)
	return l.GetResourceVersion(), nil
}

func (w *Watcher) watch(ctx context.Context, rv string) {
	wi, err := w.client.Resource(GVR).Watch(ctx, metav1.ListOptions{ResourceVersion: rv, AllowWatchBookmarks: true})
	if err != nil {
		return
	}
	defer wi.Stop()
	for {
		var ev watch.Event
		select {
		case <-ctx.Done():
			return
		case e, open := <-wi.ResultChan():
			if !open {
				return // relist
			}
			ev = e
		}
		o, ok := ev.Object.(*unstructured.Unstructured)
		switch {
		case ev.Type == watch.Error || !ok:
			return // relist
		case ev.Type == watch.Added || ev.Type == watch.Modified:
			w.update(func() { w.objs[o.GetName()] = o })
		case ev.Type == watch.Deleted:
			w.update(func() { delete(w.objs, o.GetName()) })
		}
	}
}

// replace swaps in a full list (or an error) and reports it when the error
// changed: a missing RBAC rule must be visible, but once, not every retry.
func (w *Watcher) replace(objs []*unstructured.Unstructured, err error) {
	w.update(func() {
		if (err == nil) != (w.err == nil) || (err != nil && err.Error() != w.err.Error()) {
			if err != nil {
				w.log.Error(err, "cannot read the GPU Operator's ClusterPolicies; migStrategy auto falls back to none until they can be read (RBAC: get, list, watch clusterpolicies.nvidia.com)")
			} else {
				w.log.Info("reading the GPU Operator's ClusterPolicies again")
			}
		}
		w.err = err
		w.objs = map[string]*unstructured.Unstructured{}
		for _, o := range objs {
			w.objs[o.GetName()] = o
		}
	})
}

func (w *Watcher) update(f func()) {
	w.mu.Lock()
	f()
	w.settled = true
	w.gen.Add(1)
	subs := slices.Clone(w.subs)
	w.mu.Unlock()
	for _, s := range subs {
		s()
	}
}
