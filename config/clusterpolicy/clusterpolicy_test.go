package clusterpolicy

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"

	"github.com/gpuguard/gpuguard/config"
)

func TestResolve(t *testing.T) {
	cp := func(s string) Observation { return Observation{Found: true, Name: "cluster-policy", Strategy: s} }
	tests := map[string]struct {
		configured config.MIGStrategy
		obs        Observation
		want       config.MIGStrategy
		conflict   bool
		source     string
	}{
		"auto follows the ClusterPolicy":           {configured: "auto", obs: cp("single"), want: "single", source: "ClusterPolicy cluster-policy spec.mig.strategy"},
		"auto, ClusterPolicy strategy unset: none": {configured: "auto", obs: cp(""), want: "none", source: "(unset: none)"},
		"auto without a ClusterPolicy: none":       {configured: "auto", obs: Observation{}, want: "none", source: "no GPU Operator ClusterPolicy"},
		"empty reads as auto":                      {configured: "", obs: cp("mixed"), want: "mixed"},
		"auto, ClusterPolicy unreadable: none": {configured: "auto", obs: Observation{Err: errors.New("forbidden")}, want: "none",
			source: "cannot be read (forbidden)"},
		"explicit equal to the ClusterPolicy":  {configured: "mixed", obs: cp("mixed"), want: "mixed", source: "gpuguard policy migStrategy"},
		"explicit overrides: a conflict":       {configured: "single", obs: cp("mixed"), want: "single", conflict: true},
		"explicit none vs unset ClusterPolicy": {configured: "none", obs: cp(""), want: "none"},
		"explicit without a ClusterPolicy":     {configured: "single", obs: Observation{}, want: "single"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := Resolve(tc.configured, tc.obs)
			assert.Equal(t, tc.want, r.Strategy)
			assert.Equal(t, tc.conflict, r.Conflict)
			assert.Contains(t, r.Source, tc.source)
		})
	}
}

func clusterPolicy(name, strategy string, created time.Time) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "nvidia.com/v1", "kind": "ClusterPolicy",
		"metadata": map[string]any{"name": name},
		"spec":     map[string]any{"mig": map[string]any{"strategy": strategy}},
	}}
	u.SetCreationTimestamp(metav1.NewTime(created))
	return u
}

func fakeClient(objs ...runtime.Object) *dynamicfake.FakeDynamicClient {
	return dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{GVR: "ClusterPolicyList"}, objs...)
}

func startWatcher(t *testing.T, c *dynamicfake.FakeDynamicClient) *Watcher {
	t.Helper()
	w := NewWatcher(c, logr.Discard())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = w.Start(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	require.NoError(t, wait.PollUntilContextTimeout(ctx, 5*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		return w.Settled(), nil
	}))
	return w
}

func TestWatcherFollowsClusterPolicies(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := fakeClient(clusterPolicy("b-newer", "single", t0.Add(time.Hour)), clusterPolicy("a-older", "mixed", t0))
	w := startWatcher(t, c)
	// The fake tracker has no resource versions: an edit made before the
	// watch is open would be lost, so wait for it.
	require.NoError(t, wait.PollUntilContextTimeout(context.Background(), 5*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		for _, a := range c.Actions() {
			if a.GetVerb() == "watch" {
				return true, nil
			}
		}
		return false, nil
	}))
	o := w.Observe()
	assert.Equal(t, Observation{Found: true, Name: "a-older", Strategy: "mixed"}, o, "the oldest ClusterPolicy is the one the operator serves")

	changes := make(chan struct{}, 10)
	w.Subscribe(func() { changes <- struct{}{} })
	ctx := context.Background()
	_, err := c.Resource(GVR).Update(ctx, clusterPolicy("a-older", "single", t0), metav1.UpdateOptions{})
	require.NoError(t, err)
	<-changes
	assert.Equal(t, "single", w.Observe().Strategy, "an edit is followed live")

	require.NoError(t, c.Resource(GVR).Delete(ctx, "a-older", metav1.DeleteOptions{}))
	<-changes
	assert.Equal(t, "b-newer", w.Observe().Name)
	require.NoError(t, c.Resource(GVR).Delete(ctx, "b-newer", metav1.DeleteOptions{}))
	<-changes
	assert.False(t, w.Observe().Found)
}

func TestWatcherWithoutCRDOrRights(t *testing.T) {
	for name, tc := range map[string]struct {
		err     error
		wantErr bool
	}{
		"no CRD: no ClusterPolicy, not an error": {err: apierrors.NewNotFound(GVR.GroupResource(), "")},
		"no RBAC: an error, reported":            {err: apierrors.NewForbidden(GVR.GroupResource(), "", errors.New("no rule")), wantErr: true},
	} {
		t.Run(name, func(t *testing.T) {
			c := fakeClient()
			c.PrependReactor("list", "clusterpolicies", func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, tc.err })
			o := startWatcher(t, c).Observe()
			assert.False(t, o.Found)
			assert.Equal(t, tc.wantErr, o.Err != nil)
			assert.Equal(t, config.MIGStrategyNone, Resolve(config.MIGStrategyAuto, o).Strategy)
		})
	}
}

func TestReporter(t *testing.T) {
	rec := record.NewFakeRecorder(10)
	m := NewMetrics(prometheus.NewRegistry(), "test")
	rep := &Reporter{Log: logr.Discard(), Metrics: m, Recorder: rec}
	cp := func(s string) Observation {
		return Observation{Found: true, Name: "cluster-policy", UID: "u1", Strategy: s}
	}

	report := func(configured config.MIGStrategy, o Observation) {
		rep.Report(Resolve(configured, o), o)
	}
	report("auto", cp("mixed"))
	assert.Contains(t, <-rec.Events, "Normal MIGStrategyFollowed gpuguard follows this ClusterPolicy's MIG strategy: mixed")
	assert.InDelta(t, 1, testutil.ToFloat64(m.Info.WithLabelValues("mixed", "clusterpolicy")), 0)

	report("single", cp("mixed"))
	ev := <-rec.Events
	assert.True(t, strings.HasPrefix(ev, "Warning MIGStrategyConflict gpuguard's MIG strategy \"single\" overrides GPU Operator ClusterPolicy cluster-policy spec.mig.strategy \"mixed\""), ev)
	assert.InDelta(t, 1, testutil.ToFloat64(m.Conflict), 0)
	assert.InDelta(t, 1, testutil.ToFloat64(m.Info.WithLabelValues("single", "policy")), 0)

	report("single", cp("mixed"))
	assert.Empty(t, rec.Events, "the same state is reported once")

	report("single", cp("single"))
	assert.InDelta(t, 0, testutil.ToFloat64(m.Conflict), 0, "agreement clears the conflict")
	assert.Empty(t, rec.Events)
}

// Every metric is registered, and a second component of the same name on
// the same registry (tests run several servers in one process) counts into
// the first's.
func TestNewMetricsRegistersEveryMetricOnce(t *testing.T) {
	reg := prometheus.NewRegistry()
	first, second := NewMetrics(reg, "test"), NewMetrics(reg, "test")
	second.Conflict.Set(1)
	second.Info.WithLabelValues("mixed", "policy").Set(1)
	assert.InDelta(t, 1, testutil.ToFloat64(first.Conflict), 0)
	n, err := testutil.GatherAndCount(reg, "gpuguard_test_mig_strategy_conflict", "gpuguard_test_mig_strategy_info")
	require.NoError(t, err)
	assert.Equal(t, 2, n)
}
