package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/gpuguard/gpuguard/labeler"
	"github.com/gpuguard/gpuguard/labeler/device"
	"github.com/gpuguard/gpuguard/test/harness"
)

// kinds are the four node kinds of the fleet: --simulate values.
var kinds = []string{"dgxh100", "dgxa100,mig=1g.5gb", "dgxh200", "dgxb200"}

// kindFacts computes, once per kind, what the labeler writes on such a node.
func kindFacts(strategy string) ([]*labeler.Facts, error) {
	out := make([]*labeler.Facts, len(kinds))
	for i, k := range kinds {
		sim, err := device.Simulate(k)
		if err != nil {
			return nil, err
		}
		snap, err := sim.Reader().Read()
		if err != nil {
			return nil, fmt.Errorf("reading simulated %s: %w", k, err)
		}
		if out[i], err = labeler.Compute(snap, labeler.Options{MIGStrategy: strategy, MachineType: "DGX"}); err != nil {
			return nil, fmt.Errorf("labelling simulated %s: %w", k, err)
		}
	}
	return out, nil
}

// extraLabel marks the nodes above the small fleet, so that shrink removes
// them in one request.
const extraLabel = "bench.gpuguard.io/extra"

// grow creates nodes from..to-1 (names scale-<i>, kinds round robin): the
// admin registers the Node, then the labeler's code labels it as that node's
// labeler. workers run in parallel; progress is printed every `every` nodes.
func grow(ctx context.Context, cp *harness.ControlPlane, facts []*labeler.Facts, from, to, small, workers int, log logr.Logger) error {
	var next, done atomic.Int64
	next.Store(int64(from))
	every := int64(max((to-from)/10, 50))
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < to; i = int(next.Add(1) - 1) {
				if err := addNode(ctx, cp, i, i >= small, facts[i%len(facts)]); err != nil {
					errs <- err
					return
				}
				if d := done.Add(1); d%every == 0 {
					log.Info("creating nodes", "done", from+int(d), "of", to, "perSecond", int(float64(d)/time.Since(start).Seconds()))
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func addNode(ctx context.Context, cp *harness.ControlPlane, i int, extra bool, f *labeler.Facts) error {
	name := fmt.Sprintf("scale-%d", i)
	labels := map[string]string{corev1.LabelHostname: name, corev1.LabelOSStable: "linux", corev1.LabelArchStable: "amd64"}
	if extra {
		labels[extraLabel] = "true"
	}
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	if _, err := cp.Clientset.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating node %s: %w", name, err)
	}
	cs, err := kubernetes.NewForConfig(cp.LabelerConfig(name))
	if err != nil {
		return fmt.Errorf("building the labeler client of %s: %w", name, err)
	}
	w := &labeler.NodeWriter{Client: cs, NodeName: name}
	if _, err := w.Apply(ctx, f); err != nil {
		return fmt.Errorf("labelling node %s: %w", name, err)
	}
	return nil
}

// shrink deletes every node above the small fleet in one DeleteCollection
// (the API server returns once they are gone) and checks none is left.
func shrink(ctx context.Context, cp *harness.ControlPlane) error {
	nodes := cp.Clientset.CoreV1().Nodes()
	sel := metav1.ListOptions{LabelSelector: extraLabel + "=true"}
	if err := nodes.DeleteCollection(ctx, metav1.DeleteOptions{}, sel); err != nil {
		return fmt.Errorf("deleting the extra nodes: %w", err)
	}
	sel.Limit = 1
	l, err := nodes.List(ctx, sel)
	if err != nil {
		return fmt.Errorf("listing the extra nodes: %w", err)
	}
	if len(l.Items) > 0 {
		return fmt.Errorf("node %s is left after deleting the extra nodes", l.Items[0].Name)
	}
	return nil
}
