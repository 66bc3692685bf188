package compat

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gpuguard/gpuguard/test/harness"
)

// role is a writer's service account and the node rights its real
// ClusterRole grants.
type role struct {
	ns, sa    string
	resources []string
	verbs     []string
	source    string
}

// Namespaces of a default GPU Operator install and a standalone NFD.
const (
	operatorNS = "gpu-operator"
	nfdNS      = "node-feature-discovery"
)

var (
	operatorRole = role{operatorNS, "gpu-operator", []string{"nodes"}, []string{"get", "list", "watch", "update", "patch"},
		"NVIDIA/gpu-operator deployments/gpu-operator/templates/clusterrole.yaml"}
	migManagerRole = role{operatorNS, "nvidia-mig-manager", []string{"nodes"}, []string{"get", "list", "watch", "update", "patch"},
		"NVIDIA/gpu-operator assets/state-mig-manager/0210_clusterrole.yaml"}
	driverRole = role{operatorNS, "nvidia-driver", []string{"nodes"}, []string{"get", "list", "patch", "update", "watch"},
		"NVIDIA/gpu-operator assets/state-driver/0210_clusterrole.yaml"}
	vgpuRole = role{operatorNS, "nvidia-vgpu-device-manager", []string{"nodes"}, []string{"get", "list", "watch", "update"},
		"NVIDIA/gpu-operator assets/state-vgpu-device-manager/0210_clusterrole.yaml"}
	ccRole = role{operatorNS, "nvidia-cc-manager", []string{"nodes"}, []string{"get", "list", "patch", "watch"},
		"NVIDIA/gpu-operator assets/state-cc-manager/0210_clusterrole.yaml"}
	nfdBundledRole = role{operatorNS, "node-feature-discovery", []string{"nodes", "nodes/status"}, []string{"get", "patch", "update", "list"},
		"NVIDIA/gpu-operator deployments/gpu-operator/charts/node-feature-discovery/templates/clusterrole.yaml"}
	nfdStandaloneRole = role{nfdNS, "nfd-master", []string{"nodes", "nodes/status"}, []string{"get", "patch", "update", "list"},
		"kubernetes-sigs/node-feature-discovery deployment/base/rbac/master-clusterrole.yaml"}
)

var roles = []role{operatorRole, migManagerRole, driverRole, vgpuRole, ccRole, nfdBundledRole, nfdStandaloneRole}

// grantRealRoles creates each writer's namespace, service account and a
// ClusterRole with its real ClusterRole's node rights, bound to it.
func grantRealRoles(ctx context.Context, cp *harness.ControlPlane) error {
	for _, r := range roles {
		name := r.ns + ":" + r.sa
		objs := []client.Object{
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: r.ns}},
			&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: r.ns, Name: r.sa}},
			&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: []rbacv1.PolicyRule{
				{APIGroups: []string{""}, Resources: r.resources, Verbs: r.verbs},
			}},
			&rbacv1.ClusterRoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: name},
				RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name},
				Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: r.ns, Name: r.sa}},
			},
		}
		if err := cp.Grant(ctx, objs...); err != nil {
			return fmt.Errorf("granting %s its ClusterRole: %w", name, err)
		}
	}
	return nil
}

// as returns a clientset acting as the service account, as the API server
// authenticates a pod's token: its user, its groups and (for DaemonSet pods)
// the node-name extra.
func as(r role, node string) kubernetes.Interface {
	var extra map[string][]string
	if node != "" {
		extra = map[string][]string{"authentication.kubernetes.io/node-name": {node}}
	}
	cfg := stack.Impersonate("system:serviceaccount:"+r.ns+":"+r.sa,
		[]string{"system:serviceaccounts", "system:serviceaccounts:" + r.ns, "system:authenticated"}, extra)
	return kubernetes.NewForConfigOrDie(cfg)
}

// person is a cluster admin acting as herself (system:masters): a person to
// gpuguard.
func person() kubernetes.Interface {
	return kubernetes.NewForConfigOrDie(stack.Impersonate("alice", []string{"system:masters", "system:authenticated"}, nil))
}
