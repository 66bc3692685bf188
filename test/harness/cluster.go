package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Identities of the components, as kubeadm gives them: the API server's
// bootstrap RBAC binds the first two to their roles (system:kube-scheduler,
// system:kube-controller-manager); KwokUser gets kwok's own ClusterRole.
const (
	SchedulerUser         = "system:kube-scheduler"
	ControllerManagerUser = "system:kube-controller-manager"
	KwokUser              = "kwok-controller"
)

// KwokAnnotation marks the nodes kwok manages (kwok's own convention,
// kwok.x-k8s.io/node=fake): it plays their kubelets.
const KwokAnnotation = "kwok.x-k8s.io/node"

// controllers are the kube-controller-manager controllers a workload needs:
// Deployments and DaemonSets, garbage collection, node health.
var controllers = []string{
	"deployment-controller", "replicaset-controller", "daemonset-controller",
	"garbage-collector-controller", "namespace-controller", "serviceaccount-controller",
	"node-lifecycle-controller", "taint-eviction-controller", "pod-garbage-collector-controller",
}

// Cluster is what decides where pods run and keeps nodes alive: the real
// kube-scheduler and kube-controller-manager, and kwok in the kubelets'
// place, each a child process with its own identity and kubeconfig.
type Cluster struct {
	Scheduler, ControllerManager, Kwok *Process
	schedulerPort, managerPort         int
}

// StartCluster starts kube-scheduler, kube-controller-manager and kwok from
// bin/k8s against this control plane; Ready waits until they serve.
func (cp *ControlPlane) StartCluster(ctx context.Context) (c *Cluster, err error) {
	assets, err := AssetsDir()
	if err != nil {
		return nil, err
	}
	for _, b := range []string{"kube-scheduler", "kube-controller-manager", "kwok"} {
		if _, err := os.Stat(filepath.Join(assets, b)); err != nil {
			return nil, fmt.Errorf("%w: %s is missing in %s; run `make k8s-bin` (builds it from source)", ErrNoAssets, b, assets)
		}
	}
	c = &Cluster{}
	defer func() {
		if err != nil {
			err = errors.Join(err, c.Stop())
		}
	}()
	if c.schedulerPort, err = FreePort(); err != nil {
		return nil, err
	}
	if c.managerPort, err = FreePort(); err != nil {
		return nil, err
	}
	kc, err := cp.userKubeconfig(SchedulerUser)
	if err != nil {
		return nil, err
	}
	if c.Scheduler, err = startProcess(cp.Dir, "kube-scheduler", filepath.Join(assets, "kube-scheduler"),
		"--kubeconfig="+kc, "--leader-elect=false",
		"--bind-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", c.schedulerPort)); err != nil {
		return nil, err
	}
	if kc, err = cp.userKubeconfig(ControllerManagerUser); err != nil {
		return nil, err
	}
	// Each controller acts as its own service account in kube-system (as
	// kubeadm runs it), with the token the API server issues for it.
	if c.ControllerManager, err = startProcess(cp.Dir, "kube-controller-manager", filepath.Join(assets, "kube-controller-manager"),
		"--kubeconfig="+kc, "--leader-elect=false", "--use-service-account-credentials",
		"--service-account-private-key-file="+filepath.Join(cp.env.ControlPlane.APIServer.CertDir, "sa-signer.key"),
		"--controllers="+strings.Join(controllers, ","),
		"--bind-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", c.managerPort)); err != nil {
		return nil, err
	}
	if c.Kwok, err = cp.startKwok(ctx, filepath.Join(assets, "kwok")); err != nil {
		return nil, err
	}
	return c, nil
}

// startKwok runs kwok with kwokctl's default stages (nodes Ready with Lease
// heartbeats, pods on its nodes Running) for the nodes annotated
// KwokAnnotation=fake, as KwokUser with kwok's RBAC (kubernetes-sigs/kwok
// kustomize/rbac/role.yaml).
func (cp *ControlPlane) startKwok(ctx context.Context, bin string) (*Process, error) {
	if err := cp.kwokRBAC(ctx); err != nil {
		return nil, err
	}
	kc, err := cp.userKubeconfig(KwokUser)
	if err != nil {
		return nil, err
	}
	stages, err := exec.Command(bin, "stages").Output()
	if err != nil {
		return nil, fmt.Errorf("reading kwok's default stages from %s: %w", bin, err)
	}
	config := filepath.Join(cp.Dir, "kwok-stages.yaml")
	if err := os.WriteFile(config, stages, 0o600); err != nil {
		return nil, fmt.Errorf("writing kwok's stages: %w", err)
	}
	return startProcess(cp.Dir, "kwok", bin, "--kubeconfig="+kc, "--config="+config,
		"--manage-nodes-with-annotation-selector="+KwokAnnotation+"=fake",
		// What the kubelet's default lease is: renewed every 10 s.
		"--node-lease-duration-seconds=40")
}

func (cp *ControlPlane) kwokRBAC(ctx context.Context) error {
	all := []string{"get", "list", "watch", "create", "update", "patch", "delete"}
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: KwokUser}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: all},
		{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get", "list", "watch"}},
		{APIGroups: []string{""}, Resources: []string{"nodes/status", "pods/status"}, Verbs: []string{"patch", "update"}},
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch", "update", "patch", "delete"}},
		{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch"}},
	}}
	binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: KwokUser},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: KwokUser},
		Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: KwokUser}}}
	if err := cp.Grant(ctx, role, binding); err != nil {
		return fmt.Errorf("granting kwok its RBAC: %w", err)
	}
	return nil
}

// userKubeconfig writes a kubeconfig for a client-certificate user into Dir.
func (cp *ControlPlane) userKubeconfig(user string) (string, error) {
	u, err := cp.env.AddUser(envtest.User{Name: user}, nil)
	if err != nil {
		return "", fmt.Errorf("creating user %s: %w", user, err)
	}
	kc, err := u.KubeConfig()
	if err != nil {
		return "", fmt.Errorf("rendering the kubeconfig of %s: %w", user, err)
	}
	path := filepath.Join(cp.Dir, strings.TrimPrefix(user, "system:")+".kubeconfig")
	if err := os.WriteFile(path, kc, 0o600); err != nil {
		return "", fmt.Errorf("writing the kubeconfig of %s: %w", user, err)
	}
	return path, nil
}

// Ready waits until kube-scheduler and kube-controller-manager serve
// /healthz (kwok's readiness shows as Ready nodes; see WaitNodesReady).
func (c *Cluster) Ready(ctx context.Context) error {
	if err := c.Scheduler.waitHealthy(ctx, c.schedulerPort); err != nil {
		return err
	}
	if err := c.ControllerManager.waitHealthy(ctx, c.managerPort); err != nil {
		return err
	}
	return c.Kwok.Exited()
}

// Stop ends the three processes.
func (c *Cluster) Stop() error {
	var errs []error
	for _, p := range []*Process{c.Kwok, c.ControllerManager, c.Scheduler} {
		if p != nil {
			errs = append(errs, p.stop())
		}
	}
	return errors.Join(errs...)
}
