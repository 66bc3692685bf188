package scheduling

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/gpuguard/gpuguard/test/harness"
)

const (
	deployLabel = "nvidia.com/gpu.deploy.dcgm-exporter"
	exporter    = "app=nvidia-dcgm-exporter"
	// migManager is the MIG manager's service account in a GPU Operator
	// install (assets/state-mig-manager in NVIDIA/gpu-operator).
	migManager = "nvidia-mig-manager"
)

func sample(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "config", "samples", name))
	require.NoError(t, err)
	return string(b)
}

// exporterNodes maps node -> pod name of the exporter's pods that exist and
// are not being deleted.
func exporterNodes(ctx context.Context) (map[string]string, error) {
	ps, err := pods(ctx, "gpu-operator", exporter)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, p := range ps {
		if p.DeletionTimestamp == nil {
			out[p.Spec.NodeName] = string(p.UID)
		}
	}
	return out, nil
}

// deployTrue lists the nodes whose dcgm-exporter deploy label is "true".
func deployTrue(ctx context.Context) ([]string, error) {
	l, err := stack.Clientset.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: deployLabel + "=true"})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range l.Items {
		out = append(out, n.Name)
	}
	sort.Strings(out)
	return out, nil
}

// waitExporterOn waits until the exporter's pods are exactly on nodes.
func waitExporterOn(t *testing.T, nodes ...string) map[string]string {
	t.Helper()
	sort.Strings(nodes)
	var got map[string]string
	eventually(t, fmt.Sprintf("dcgm-exporter pods exactly on %v", nodes), func(ctx context.Context) (bool, string) {
		var err error
		if got, err = exporterNodes(ctx); err != nil {
			return false, err.Error()
		}
		on := slices.Sorted(maps.Keys(got))
		return slices.Equal(on, nodes), fmt.Sprint(on)
	})
	return got
}

func label(t *testing.T, cs kubernetes.Interface, node, value string) {
	t.Helper()
	patch := fmt.Sprintf(`{"metadata":{"labels":{%q:%q}}}`, deployLabel, value)
	_, err := cs.CoreV1().Nodes().Patch(context.Background(), node, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
	require.NoError(t, err)
}

// asMIGManager is a client acting as the MIG manager's service account, with
// the node RBAC the GPU Operator gives it
// (assets/state-mig-manager/0210_clusterrole.yaml: nodes get, list, watch,
// update, patch).
func asMIGManager(t *testing.T) kubernetes.Interface {
	t.Helper()
	ctx := context.Background()
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: migManager}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get", "list", "watch", "update", "patch"}},
	}}
	require.NoError(t, stack.Grant(ctx, role, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: migManager},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: migManager},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: "gpu-operator", Name: migManager}}},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "gpu-operator", Name: migManager}}))
	user, groups := harness.ServiceAccount("gpu-operator", migManager)
	cs, err := kubernetes.NewForConfig(stack.Impersonate(user, groups, nil))
	require.NoError(t, err)
	return cs
}

func TestComponentDaemonSetFollowsDeployLabels(t *testing.T) {
	ctx := context.Background()
	apply(t, sample(t, "dcgm-exporter.yaml"))
	want, err := deployTrue(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"gpu-a100-0", "gpu-h100-0"}, want, "the labeler sets the deploy defaults on both GPU nodes")
	first := waitExporterOn(t, want...)
	eventually(t, "the exporter's pods Running", func(ctx context.Context) (bool, string) {
		ps, err := pods(ctx, "gpu-operator", exporter)
		if err != nil {
			return false, err.Error()
		}
		return slices.IndexFunc(ps, func(p corev1.Pod) bool { return p.Status.Phase != corev1.PodRunning }) < 0, placement(ps)
	})

	t.Run("a person turns the exporter off on one node", func(t *testing.T) {
		out, err := kubectl("", "label", "node", "gpu-h100-0", deployLabel+"=false", "--overwrite")
		require.NoError(t, err, out)
		waitExporterOn(t, "gpu-a100-0")
		out, err = kubectl("", "label", "node", "gpu-h100-0", deployLabel+"=true", "--overwrite")
		require.NoError(t, err, out)
		back := waitExporterOn(t, "gpu-a100-0", "gpu-h100-0")
		assert.NotEqual(t, first["gpu-h100-0"], back["gpu-h100-0"], "a new pod")
		assert.Equal(t, first["gpu-a100-0"], back["gpu-a100-0"], "the other node's pod is untouched")
	})

	t.Run("the MIG manager pauses it for a MIG change", func(t *testing.T) {
		mm := asMIGManager(t)
		label(t, mm, "gpu-a100-0", "paused-for-mig-change")
		waitExporterOn(t, "gpu-h100-0")
		label(t, mm, "gpu-a100-0", "true")
		waitExporterOn(t, "gpu-a100-0", "gpu-h100-0")
	})

	t.Run("re-applying it unchanged starts no rollout", func(t *testing.T) {
		ds, err := stack.Clientset.AppsV1().DaemonSets("gpu-operator").Get(ctx, "nvidia-dcgm-exporter", metav1.GetOptions{})
		require.NoError(t, err)
		before := waitExporterOn(t, "gpu-a100-0", "gpu-h100-0")
		out := apply(t, sample(t, "dcgm-exporter.yaml"))
		assert.Contains(t, out, "daemonset.apps/nvidia-dcgm-exporter unchanged")
		after, err := stack.Clientset.AppsV1().DaemonSets("gpu-operator").Get(ctx, "nvidia-dcgm-exporter", metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, ds.Generation, after.Generation)
		now, err := exporterNodes(ctx)
		require.NoError(t, err)
		assert.Equal(t, before, now, "the same pods")
		assert.NotContains(t, out, "configured")
	})
}
