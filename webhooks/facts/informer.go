package facts

import (
	"context"
	"fmt"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
)

// NodeMetadata is the object to ask a controller-runtime cache for so that
// it keeps only Node metadata: full Nodes carry images and conditions, about
// 10× the memory, which matters at 10k+ nodes.
func NodeMetadata() *metav1.PartialObjectMetadata {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Node"))
	return m
}

// Feeder keeps an Index fed from a metadata-only Node informer. It is a
// manager.Runnable; Synced turns true once the index holds every Node.
type Feeder struct {
	Index     *Index
	Informers cache.Informers
	synced    atomic.Bool
}

// Start registers the event handler, waits for the first full list and then
// blocks until ctx is done.
func (f *Feeder) Start(ctx context.Context) error {
	inf, err := f.Informers.GetInformer(ctx, NodeMetadata())
	if err != nil {
		return fmt.Errorf("getting the Node metadata informer: %w", err)
	}
	reg, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    f.set,
		UpdateFunc: func(_, obj any) { f.set(obj) },
		DeleteFunc: f.delete,
	})
	if err != nil {
		return fmt.Errorf("watching Nodes: %w", err)
	}
	if !toolscache.WaitForCacheSync(ctx.Done(), reg.HasSynced) {
		return fmt.Errorf("node facts never synced: %w", ctx.Err())
	}
	f.synced.Store(true)
	<-ctx.Done()
	return nil
}

// Synced reports whether every Node has been indexed once.
func (f *Feeder) Synced() bool { return f.synced.Load() }

func (f *Feeder) set(obj any) {
	if m, ok := obj.(metav1.Object); ok {
		f.Index.Set(FromLabels(m.GetName(), m.GetLabels(), m.GetAnnotations()))
	}
}

func (f *Feeder) delete(obj any) {
	if t, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if m, ok := obj.(metav1.Object); ok {
		f.Index.Delete(m.GetName())
	}
}
