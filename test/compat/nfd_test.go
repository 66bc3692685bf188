package compat

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/gpuguard/gpuguard/config/vocab"
	"github.com/gpuguard/gpuguard/webhooks/server"
)

// warnings collects the API server's warning headers.
type warnings struct {
	mu  sync.Mutex
	all []string
}

func (w *warnings) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.all = append(w.all, text)
}

func (w *warnings) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.all, "\n")
}

func asWithWarnings(r role) (kubernetes.Interface, *warnings) {
	ws := &warnings{}
	cfg := stack.Impersonate("system:serviceaccount:"+r.ns+":"+r.sa,
		[]string{"system:serviceaccounts", "system:serviceaccounts:" + r.ns, "system:authenticated"}, nil)
	cfg.WarningHandler = ws
	return kubernetes.NewForConfigOrDie(cfg), ws
}

// TestNFDMaster replays kubernetes-sigs/node-feature-discovery
// pkg/nfd-master/nfd-master.go (updateNodeObject → patchNode): GPU Feature
// Discovery's labels, published through NodeFeature objects, written by
// nfd-master as one JSON patch per node together with NFD's own
// feature.node.kubernetes.io/* labels — by the operator's bundled NFD and by
// a standalone one.
func TestNFDMaster(t *testing.T) {
	for _, r := range []role{nfdBundledRole, nfdStandaloneRole} {
		for _, node := range gpuNodes {
			t.Run("nfd-master "+r.ns+"/"+r.sa+" on "+node+" (kubernetes-sigs/node-feature-discovery pkg/nfd-master/nfd-master.go)", func(t *testing.T) {
				c := as(r, "")
				admitted(t, write{component: "nfd-master", patch: types.JSONPatchType, client: c, node: node, labels: map[string]any{
					"nvidia.com/gfd.timestamp":                     "1764300000",
					"nvidia.com/cuda.driver-version.full":          "580.95.05",
					"nvidia.com/gpu.clique":                        "cluster-1.0",
					"feature.node.kubernetes.io/pci-10de.present":  "true",
					"feature.node.kubernetes.io/kernel-version.os": "linux",
				}})
				admitted(t, write{component: "nfd-master", patch: types.JSONPatchType, client: c, node: node, labels: map[string]any{
					"nvidia.com/gpu.clique":                        nil,
					"feature.node.kubernetes.io/kernel-version.os": nil,
				}})
			})
		}
	}
}

// TestReportedMIGStrategy: GFD reporting a MIG strategy that disagrees with
// gpuguard's policy (mixed, the stack's) is admitted as reported, with a
// warning, an Event on the Node and a metric; a person still cannot write it.
func TestReportedMIGStrategy(t *testing.T) {
	c, ws := asWithWarnings(nfdStandaloneRole)
	before := disagreements(t)
	admitted(t, write{component: "nfd-master", patch: types.JSONPatchType, client: c, node: plainNode,
		labels: map[string]any{vocab.LabelMIGStrategy: "single", "feature.node.kubernetes.io/pci-10de.present": "true"}})
	assert.Contains(t, ws.String(), `disagrees with gpuguard's MIG strategy "mixed"`)
	assert.Equal(t, "single", labelsOf(t, plainNode)[vocab.LabelMIGStrategy])
	assert.Greater(t, disagreements(t), before)
	var found bool
	err := wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		evs, err := stack.Clientset.EventsV1().Events(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil //nolint:nilerr // keep polling
		}
		for _, e := range evs.Items {
			if e.Reason == server.ReasonFactDisagrees && e.Regarding.Name == plainNode {
				found = true
			}
		}
		return found, nil
	})
	require.NoError(t, err, "an Event on the Node")
	refused(t, write{component: "person", patch: types.MergePatchType, client: person(), node: plainNode,
		labels: map[string]any{vocab.LabelMIGStrategy: "mixed"}}, "cannot be edited")
	admitted(t, write{component: "nfd-master", patch: types.JSONPatchType, client: c, node: plainNode,
		labels: map[string]any{vocab.LabelMIGStrategy: "mixed"}})
}

func disagreements(t *testing.T) float64 {
	t.Helper()
	families, err := metrics.Registry.Gather()
	require.NoError(t, err)
	var sum float64
	for _, f := range families {
		if f.GetName() == "gpuguard_node_fact_disagreements_total" {
			for _, m := range f.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}
