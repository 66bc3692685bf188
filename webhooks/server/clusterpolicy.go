package server

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/gpuguard/gpuguard/config/clusterpolicy"
)

// followClusterPolicy resolves the policy's migStrategy against the GPU
// Operator's ClusterPolicy, live, and reports each change of the result.
func (s *Server) followClusterPolicy(cfg Config) error {
	dyn, err := dynamic.NewForConfig(cfg.RESTConfig)
	if err != nil {
		return fmt.Errorf("building dynamic client for ClusterPolicies: %w", err)
	}
	log := cfg.Log.WithName("clusterpolicy")
	s.operator = clusterpolicy.NewWatcher(dyn, log)
	if err := s.mgr.Add(s.operator); err != nil {
		return fmt.Errorf("adding ClusterPolicy watch: %w", err)
	}
	resolver := clusterpolicy.NewResolver(s.policy.Current, s.operator)
	cs, err := kubernetes.NewForConfig(cfg.RESTConfig)
	if err != nil {
		return fmt.Errorf("building client for Events: %w", err)
	}
	// Core Events, as the labeler raises them: kubectl describe shows them.
	events := record.NewBroadcaster()
	events.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: cs.CoreV1().Events("")})
	if err := s.mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		<-ctx.Done()
		events.Shutdown()
		return nil
	})); err != nil {
		return fmt.Errorf("adding event broadcaster: %w", err)
	}
	rep := &clusterpolicy.Reporter{Log: log, Metrics: s.metrics.strategy,
		Recorder: events.NewRecorder(clientgoscheme.Scheme, corev1.EventSource{Component: "gpuguard-webhook"})}
	report := func() {
		p := resolver.Current()
		rep.Report(*p.MIGStrategyResolved, s.operator.Observe())
	}
	s.operator.Subscribe(report)
	s.onPolicyChange = report
	s.policy = resolver
	return nil
}
