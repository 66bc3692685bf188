package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/gpuguard/gpuguard/config/vocab"
	"github.com/gpuguard/gpuguard/labeler"
	"github.com/gpuguard/gpuguard/test/harness"
)

var factsModes = []string{labeler.FactsFromSelf, labeler.FactsFromAuto, labeler.FactsFromGFD}

// startModeLabeler runs a labeler with deploy defaults in one --facts-from
// mode on a new node carrying labels.
func startModeLabeler(t *testing.T, name, mode string, labels map[string]string) *harness.Labeler {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, cp.CreateNodes(ctx, []harness.FakeNode{{Name: name, Labels: labels}}))
	l, err := cp.StartLabeler(ctx, harness.FakeNode{Name: name, Simulate: "dgxh100"},
		harness.LabelerOptions{MIGStrategy: "mixed", Interval: 50 * time.Millisecond, FactsFrom: mode})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, l.Stop()) })
	require.NoError(t, cp.WaitForLabel(ctx, name, "nvidia.com/gpu.present", "true"))
	require.NoError(t, l.WaitCycles(ctx, 1))
	return l
}

// as returns a client acting as a GPU Operator service account; agent
// names its field manager, as the API server derives it from the user agent.
// The operator's service accounts get the node access their chart gives them.
func as(t *testing.T, sa, agent string) kubernetes.Interface {
	t.Helper()
	ctx := context.Background()
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "e2e-gpu-operator-nodes"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get", "list", "watch", "patch", "update"}}}}
	binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "e2e-gpu-operator-nodes"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "system:serviceaccounts:gpu-operator"}}}
	require.NoError(t, cp.Grant(ctx, role, binding))
	user, groups := harness.ServiceAccount("gpu-operator", sa)
	rc := cp.Impersonate(user, groups, nil)
	rc.UserAgent = agent
	cs, err := kubernetes.NewForConfig(rc)
	require.NoError(t, err)
	return cs
}

// jsonPatch sends RFC 6902 label operations (nil value: remove), as the
// operator and nfd-master do.
func jsonPatch(t *testing.T, cs kubernetes.Interface, node string, labels, annotations map[string]any) {
	t.Helper()
	var ops []map[string]any
	add := func(path string, kv map[string]any) {
		for k, v := range kv {
			p := path + strings.ReplaceAll(k, "/", "~1")
			if v == nil {
				ops = append(ops, map[string]any{"op": "remove", "path": p})
			} else {
				ops = append(ops, map[string]any{"op": "add", "path": p, "value": v})
			}
		}
	}
	add("/metadata/labels/", labels)
	add("/metadata/annotations/", annotations)
	data, err := json.Marshal(ops)
	require.NoError(t, err)
	_, err = cs.CoreV1().Nodes().Patch(context.Background(), node, types.JSONPatchType, data, metav1.PatchOptions{})
	require.NoError(t, err)
}

// steady asserts that 3 more cycles send no write request, after one
// cycle to settle what the last change asked for.
func steady(t *testing.T, l *harness.Labeler) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, l.WaitCycles(ctx, 2))
	before := l.Writes()
	require.NoError(t, l.WaitCycles(ctx, 3))
	assert.Equal(t, before, l.Writes(), "three unchanged cycles send no write request")
}

var containerComponents = vocab.DefaultDeployComponents(true)

func TestDeployLabelsStayRemoved(t *testing.T) {
	for _, mode := range factsModes {
		t.Run(mode, func(t *testing.T) {
			name := "e2e-operands-" + mode
			l := startModeLabeler(t, name, mode, nil)
			for _, c := range containerComponents {
				require.Equal(t, "true", node(t, name).Labels[vocab.DeployPrefix+c], c)
			}
			// operands=false, and the operator removes every component label.
			kubectl(t, "label", "node", name, vocab.LabelDeployOperands+"=false")
			remove := map[string]any{}
			for _, c := range containerComponents {
				remove[vocab.DeployPrefix+c] = nil
			}
			jsonPatch(t, as(t, "gpu-operator", "gpu-operator/v25.10.0"), name, remove, nil)
			require.NoError(t, l.WaitCycles(context.Background(), 3))
			for _, c := range containerComponents {
				assert.NotContains(t, node(t, name).Labels, vocab.DeployPrefix+c, "re-added after 3 cycles")
			}
			steady(t, l)
		})
	}
}

func TestVMWorkloadGetsNoContainerLabels(t *testing.T) {
	for _, mode := range factsModes {
		t.Run(mode, func(t *testing.T) {
			name := "e2e-vm-" + mode
			l := startModeLabeler(t, name, mode, map[string]string{vocab.LabelWorkloadConfig: "vm-passthrough"})
			require.NoError(t, l.WaitCycles(context.Background(), 3))
			for _, c := range containerComponents {
				assert.NotContains(t, node(t, name).Labels, vocab.DeployPrefix+c)
			}
			steady(t, l)
		})
	}
}

// The switch of a labelled node to vm-passthrough: the operator removes
// the container labels and adds the sandbox ones; none comes back.
func TestSwitchToVMPassthrough(t *testing.T) {
	name := "e2e-vm-switch"
	l := startModeLabeler(t, name, labeler.FactsFromAuto, nil)
	op := map[string]any{vocab.LabelWorkloadConfig: "vm-passthrough",
		vocab.DeployPrefix + "sandbox-device-plugin": "true", vocab.DeployPrefix + "vfio-manager": "true"}
	for _, c := range containerComponents {
		op[vocab.DeployPrefix+c] = nil
	}
	// A person chooses the workload (the GPU Operator reads the label and
	// relabels the components); the removals and sandbox labels that follow
	// are the operator's.
	jsonPatch(t, cp.Clientset, name, map[string]any{vocab.LabelWorkloadConfig: "vm-passthrough"}, nil)
	delete(op, vocab.LabelWorkloadConfig)
	jsonPatch(t, as(t, "gpu-operator", "gpu-operator/v25.10.0"), name, op, nil)
	require.NoError(t, l.WaitCycles(context.Background(), 3))
	labels := node(t, name).Labels
	for _, c := range containerComponents {
		assert.NotContains(t, labels, vocab.DeployPrefix+c)
	}
	assert.Equal(t, "true", labels[vocab.DeployPrefix+"sandbox-device-plugin"])
	steady(t, l)
}

// GFD's labels for an H100 node with MPS sharing (replicas 4), as
// nfd-master writes them: one JSON patch with its feature-labels
// annotation (kubernetes-sigs/node-feature-discovery pkg/nfd-master).
var gfdMPS = map[string]any{
	"nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3-SHARED", "nvidia.com/gpu.replicas": "4",
	"nvidia.com/gpu.sharing-strategy": "mps", "nvidia.com/mps.capable": "true",
	"nvidia.com/gpu.count": "8", "nvidia.com/gpu.memory": "81920", "nvidia.com/gpu.family": "hopper",
	"nvidia.com/cuda.driver-version.full": "550.54.15", "nvidia.com/mig.capable": "true",
}

func TestGFDSharingLabelsSurvive(t *testing.T) {
	for _, mode := range factsModes {
		t.Run(mode, func(t *testing.T) {
			name := "e2e-mps-" + mode
			l := startModeLabeler(t, name, mode, nil)
			keys := make([]string, 0, len(gfdMPS))
			for k := range gfdMPS {
				keys = append(keys, k)
			}
			jsonPatch(t, as(t, "node-feature-discovery", "nfd-master/v0.18.0 (linux/amd64) kubernetes/$Format"), name, gfdMPS,
				map[string]any{"nfd.node.kubernetes.io/feature-labels": strings.Join(keys, ",")})
			for range 3 {
				require.NoError(t, l.WaitCycles(context.Background(), 1))
				labels := node(t, name).Labels
				for k, v := range gfdMPS {
					assert.Equal(t, v, labels[k], k)
				}
			}
			n := node(t, name)
			assert.Equal(t, "true", n.Labels["nvidia.com/gpu.present"])
			assert.Equal(t, "0x233010DE", n.Annotations[vocab.AnnotationPCIDeviceIDs])
			assert.NotEmpty(t, n.Annotations[vocab.AnnotationMIGProfiles])
			steady(t, l)
		})
	}
}

// The labeler under an API outage keeps running and retrying; what
// changed meanwhile is written once the API server answers again.
func TestLabelerAPIOutage(t *testing.T) {
	ctx := context.Background()
	name := "e2e-outage"
	l := startModeLabeler(t, name, labeler.FactsFromSelf, nil)
	l.Outage(true)
	require.NoError(t, l.Sim.SetMIG("3g.40gb"))
	// The labeler retries with capped backoff: wait for failed requests.
	before := l.Requests()
	require.Eventually(t, func() bool { return l.Requests() > before+3 }, time.Minute, 20*time.Millisecond)
	labels := node(t, name).Labels
	assert.Equal(t, "1", labels["nvidia.com/gpu.replicas"], "the node keeps its labels during the outage")
	assert.Equal(t, "true", labels[vocab.DeployPrefix+"driver"])
	l.Outage(false)
	require.NoError(t, cp.WaitForLabel(ctx, name, "nvidia.com/mig-3g.40gb.count", "16"))
	assert.Equal(t, "true", node(t, name).Labels[vocab.DeployPrefix+"driver"])
	steady(t, l)
}
