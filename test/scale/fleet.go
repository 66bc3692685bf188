package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

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

// grow creates nodes from..to-1 (names scale-<i>, kinds round robin): the
// admin registers the Node, then the labeler's code labels it as that node's
// labeler. workers run in parallel.
func grow(ctx context.Context, cp *harness.ControlPlane, facts []*labeler.Facts, from, to, workers int) error {
	var next atomic.Int64
	next.Store(int64(from))
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < to; i = int(next.Add(1) - 1) {
				if err := addNode(ctx, cp, fmt.Sprintf("scale-%d", i), facts[i%len(facts)]); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func addNode(ctx context.Context, cp *harness.ControlPlane, name string, f *labeler.Facts) error {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
		corev1.LabelHostname: name, corev1.LabelOSStable: "linux", corev1.LabelArchStable: "amd64"}}}
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
