package labeler

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/gpuguard/gpuguard/config/vocab"
)

// writerFixture is a NodeWriter on a fake clientset that tracks managed
// fields as the API server does (server-side apply included).
type writerFixture struct {
	t  *testing.T
	cs *fake.Clientset
	w  *NodeWriter
}

func newWriterFixture(t *testing.T, labels map[string]string) *writerFixture {
	t.Helper()
	cs := fake.NewClientset()
	_, err := cs.CoreV1().Nodes().Create(context.Background(), &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "gpu-0", Labels: labels},
	}, metav1.CreateOptions{FieldManager: "kubelet"})
	require.NoError(t, err)
	return &writerFixture{t: t, cs: cs, w: &NodeWriter{Client: cs, NodeName: "gpu-0", FactsFrom: FactsFromSelf, Metrics: NewMetrics(nil)}}
}

func (x *writerFixture) apply(f *Facts) bool {
	x.t.Helper()
	wrote, err := x.w.Apply(context.Background(), f)
	require.NoError(x.t, err)
	return wrote
}

// patch writes labels as another field manager with a merge patch, as
// kubectl label or nfd-master do (nil removes a label).
func (x *writerFixture) patch(manager string, labels map[string]any) {
	x.t.Helper()
	data, err := json.Marshal(map[string]any{"metadata": map[string]any{"labels": labels}})
	require.NoError(x.t, err)
	_, err = x.cs.CoreV1().Nodes().Patch(context.Background(), "gpu-0", types.MergePatchType, data,
		metav1.PatchOptions{FieldManager: manager})
	require.NoError(x.t, err)
}

func (x *writerFixture) labels() map[string]string {
	x.t.Helper()
	n, err := x.cs.CoreV1().Nodes().Get(context.Background(), "gpu-0", metav1.GetOptions{})
	require.NoError(x.t, err)
	return n.Labels
}

func h100Facts(t *testing.T) *Facts {
	t.Helper()
	return compute(t, simulate(t, "dgxh100"), "none")
}

func TestWriterLeavesOtherWritersKeys(t *testing.T) {
	x := newWriterFixture(t, nil)
	f := h100Facts(t)
	require.True(t, x.apply(f))
	assert.False(t, x.apply(f), "nothing changed, nothing written")

	// GFD's MPS sharing labels, written through nfd-master.
	x.patch("nfd-master", map[string]any{
		"nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3-SHARED", "nvidia.com/gpu.replicas": "4",
		"nvidia.com/gpu.sharing-strategy": "mps", "nvidia.com/mps.capable": "true",
	})
	for range 3 {
		assert.False(t, x.apply(f), "the other writer's keys are left, nothing else changed")
	}
	l := x.labels()
	assert.Equal(t, "NVIDIA-H100-80GB-HBM3-SHARED", l["nvidia.com/gpu.product"])
	assert.Equal(t, "4", l["nvidia.com/gpu.replicas"])
	assert.Equal(t, "mps", l["nvidia.com/gpu.sharing-strategy"])
	assert.Equal(t, "true", l["nvidia.com/mps.capable"])
	assert.Equal(t, "8", l["nvidia.com/gpu.count"], "the labeler's other facts stay")
	assert.InDelta(t, 4, testutil.ToFloat64(x.w.Metrics.LeftToOthers), 0, "counted once per key")
}

func TestWriterDeployDefaultsOnce(t *testing.T) {
	tests := map[string]struct {
		node map[string]string
		want bool
	}{
		"new node":                 {nil, true},
		"workload container":       {map[string]string{vocab.LabelWorkloadConfig: "container"}, true},
		"empty deploy value":       {map[string]string{vocab.DeployPrefix + "dcgm": ""}, true},
		"operands false":           {map[string]string{vocab.LabelDeployOperands: "false"}, false},
		"vm-passthrough":           {map[string]string{vocab.LabelWorkloadConfig: "vm-passthrough"}, false},
		"vm-vgpu":                  {map[string]string{vocab.LabelWorkloadConfig: "vm-vgpu"}, false},
		"operator labelled first":  {map[string]string{vocab.DeployPrefix + "driver": "true"}, false},
		"person turned one off":    {map[string]string{vocab.DeployPrefix + "dcgm-exporter": "false"}, false},
		"driver pre-installed":     {map[string]string{vocab.DeployPrefix + "driver": "pre-installed"}, false},
		"sandbox component set":    {map[string]string{vocab.DeployPrefix + "sandbox-device-plugin": "true"}, false},
		"operands true, no others": {map[string]string{vocab.LabelDeployOperands: "true"}, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			x := newWriterFixture(t, tc.node)
			x.apply(h100Facts(t))
			l := x.labels()
			for _, c := range vocab.DefaultDeployComponents(true) {
				if _, preset := tc.node[vocab.DeployPrefix+c]; preset {
					continue
				}
				if tc.want {
					assert.Equal(t, "true", l[vocab.DeployPrefix+c], c)
				} else {
					assert.NotContains(t, l, vocab.DeployPrefix+c)
				}
			}
		})
	}
}

func TestWriterNeverReAddsDeployLabels(t *testing.T) {
	x := newWriterFixture(t, nil)
	f := h100Facts(t)
	x.apply(f)
	require.Equal(t, "true", x.labels()[vocab.DeployPrefix+"driver"])

	// The operator removes what operands=false turns off; a person sets
	// dcgm-exporter=false.
	x.patch("kubectl-label", map[string]any{vocab.LabelDeployOperands: "false", vocab.DeployPrefix + "dcgm-exporter": "false"})
	x.patch("gpu-operator", map[string]any{vocab.DeployPrefix + "driver": nil, vocab.DeployPrefix + "device-plugin": nil})
	for range 3 {
		x.apply(f)
	}
	l := x.labels()
	assert.NotContains(t, l, vocab.DeployPrefix+"driver")
	assert.NotContains(t, l, vocab.DeployPrefix+"device-plugin")
	assert.Equal(t, "false", l[vocab.DeployPrefix+"dcgm-exporter"])
	assert.Equal(t, "true", l[vocab.DeployPrefix+"dcgm"], "the labels nobody touched stay")

	// Everything removed, operands back on: still never a second time.
	remove := map[string]any{vocab.LabelDeployOperands: nil}
	for k := range filterPrefix(l, vocab.DeployPrefix) {
		remove[k] = nil
	}
	x.patch("gpu-operator", remove)
	for range 3 {
		x.apply(f)
	}
	assert.Empty(t, filterPrefix(x.labels(), vocab.DeployPrefix))
}

func TestWriterKeepsDeployLabelsWithoutFacts(t *testing.T) {
	x := newWriterFixture(t, nil)
	x.apply(h100Facts(t))
	x.apply(&Facts{}) // NVML gone past the grace period
	l := x.labels()
	assert.NotContains(t, l, "nvidia.com/gpu.product", "facts go")
	assert.Equal(t, "true", l[vocab.DeployPrefix+"driver"], "deploy labels stay")
	assert.Len(t, filterPrefix(l, vocab.DeployPrefix), len(vocab.DefaultDeployComponents(true)))
}

func filterPrefix(l map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range l {
		if strings.HasPrefix(k, prefix) {
			out[k] = v
		}
	}
	return out
}

// In auto mode the labeler hands the facts it wrote over to GFD once
// nfd-master lists them, without removing them.
func TestWriterHandsFactsToGFD(t *testing.T) {
	x := newWriterFixture(t, nil)
	x.w.FactsFrom = FactsFromAuto
	f := h100Facts(t)
	require.True(t, x.apply(f))
	data, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"labels":      map[string]any{"nvidia.com/gpu.replicas": "4", "nvidia.com/gpu.sharing-strategy": "mps"},
		"annotations": map[string]any{"nfd.node.kubernetes.io/feature-labels": "nvidia.com/gpu.count,nvidia.com/gpu.product,nvidia.com/gpu.replicas,nvidia.com/gpu.sharing-strategy"},
	}})
	require.NoError(t, err)
	_, err = x.cs.CoreV1().Nodes().Patch(context.Background(), "gpu-0", types.MergePatchType, data, metav1.PatchOptions{FieldManager: "nfd-master"})
	require.NoError(t, err)

	require.True(t, x.apply(f), "hand-over and apply")
	l := x.labels()
	assert.Equal(t, "NVIDIA-H100-80GB-HBM3", l["nvidia.com/gpu.product"], "listed by nfd-master: kept")
	assert.Equal(t, "8", l["nvidia.com/gpu.count"])
	assert.Equal(t, "4", l["nvidia.com/gpu.replicas"])
	assert.NotContains(t, l, "nvidia.com/cuda.driver.major", "not GFD's (not listed): removed")
	assert.Equal(t, "true", l["nvidia.com/gpu.present"])
	assert.Equal(t, "true", l[vocab.DeployPrefix+"driver"])
	for range 3 {
		assert.False(t, x.apply(f), "steady")
	}
	n, err := x.cs.CoreV1().Nodes().Get(context.Background(), "gpu-0", metav1.GetOptions{})
	require.NoError(t, err)
	own := ownersOf(n)
	assert.False(t, own.ours[labelKey("nvidia.com/gpu.product")], "no longer the labeler's")
	assert.True(t, own.ours[labelKey("nvidia.com/gpu.present")])
}
