package app

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/record"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/config/clusterpolicy"
	"github.com/gpuguard/gpuguard/labeler"
)

// settleTimeout bounds how long the labeler waits for its first look at the
// ClusterPolicies before labelling anyway (auto then reads as none until the
// watch answers, and the labels follow on the next change).
const settleTimeout = 30 * time.Second

// strategySource resolves --mig-strategy against the GPU Operator's
// ClusterPolicy and signals each change of the resolved strategy.
type strategySource struct {
	configured config.MIGStrategy
	watcher    *clusterpolicy.Watcher // nil: no cluster access
	reporter   *clusterpolicy.Reporter
	changed    chan struct{}

	mu      sync.Mutex
	current config.MIGStrategy
}

// newStrategySource follows the ClusterPolicy when the labeler has cluster
// access; without it, auto means none.
func (c *Config) newStrategySource(ctx context.Context, rec record.EventRecorder) (*strategySource, error) {
	s := &strategySource{configured: config.MIGStrategy(c.MIGStrategy), changed: make(chan struct{}, 1)}
	if c.RESTConfig == nil {
		s.current = clusterpolicy.Resolve(s.configured, clusterpolicy.Observation{}).Strategy
		return s, nil
	}
	dyn, err := dynamic.NewForConfig(c.RESTConfig)
	if err != nil {
		return nil, fmt.Errorf("building dynamic client for ClusterPolicies: %w", err)
	}
	log := c.Log.WithName("clusterpolicy")
	s.watcher = clusterpolicy.NewWatcher(dyn, log)
	s.reporter = &clusterpolicy.Reporter{
		Log: log, Metrics: clusterpolicy.NewMetrics(c.Registry, "labeler"), Recorder: rec,
		// Each labeler reports on its own Node: one Event per node, never a
		// thousand on the one ClusterPolicy.
		Subject: &corev1.ObjectReference{Kind: "Node", Name: c.NodeName, UID: types.UID(c.NodeName)},
	}
	s.current = s.resolve()
	s.watcher.Subscribe(s.onChange)
	go func() { _ = s.watcher.Start(ctx) }()
	_ = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, settleTimeout, true, func(context.Context) (bool, error) {
		return s.watcher.Settled(), nil
	})
	s.onChange()
	return s, nil
}

func (s *strategySource) resolve() config.MIGStrategy {
	o := s.watcher.Observe()
	r := clusterpolicy.Resolve(s.configured, o)
	s.reporter.Report(r, o)
	return r.Strategy
}

func (s *strategySource) onChange() {
	now := s.resolve()
	s.mu.Lock()
	moved := now != s.current
	s.current = now
	s.mu.Unlock()
	if moved {
		select {
		case s.changed <- struct{}{}:
		default:
		}
	}
}

// Strategy returns the strategy in force.
func (s *strategySource) Strategy() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.current)
}

// runFollowing runs the loop with the strategy in force and, when it
// changes, restarts it at once with the new one: the labels follow the
// ClusterPolicy without waiting out the sleep interval. The loop's state
// (last good facts) is kept across restarts.
func runFollowing(ctx context.Context, loop *labeler.Loop, s *strategySource) error {
	for {
		loop.Options.MIGStrategy = s.Strategy()
		runCtx, cancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-s.changed:
				cancel()
			case <-runCtx.Done():
			}
		}()
		_ = loop.Run(runCtx)
		cancel()
		select {
		case <-ctx.Done():
			return nil // stopped, not failed
		default:
		}
		loop.Log.Info("MIG strategy changed; relabelling", "strategy", s.Strategy())
	}
}
