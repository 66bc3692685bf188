package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// ControlPlane is a running etcd + kube-apiserver.
type ControlPlane struct {
	// Config is an admin (system:masters) REST config.
	Config *rest.Config
	// Client and Clientset act as that admin.
	Client    client.Client
	Clientset kubernetes.Interface
	// Kubeconfig is the path of an admin kubeconfig file.
	Kubeconfig string
	// Kubectl is the path of the pinned kubectl binary.
	Kubectl string
	// Dir holds the kubeconfig and whatever else a caller writes.
	Dir string

	env *envtest.Environment
	log logr.Logger
}

// Options configure Start.
type Options struct {
	// Dir receives the kubeconfig. Default: a new temporary directory.
	Dir string
	// Log receives progress. Default: discard.
	Log logr.Logger
}

// Start launches etcd and kube-apiserver and writes an admin kubeconfig.
func Start(opts Options) (*ControlPlane, error) {
	assets, err := AssetsDir()
	if err != nil {
		return nil, err
	}
	if opts.Log.GetSink() == nil {
		opts.Log = logr.Discard()
	}
	if opts.Dir == "" {
		if opts.Dir, err = os.MkdirTemp("", "gpuguard-cp-"); err != nil {
			return nil, fmt.Errorf("creating a directory for the kubeconfig: %w", err)
		}
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		// A loaded 2-core CI machine can take several seconds to start etcd.
		ControlPlaneStartTimeout: time.Minute,
		ControlPlaneStopTimeout:  30 * time.Second,
	}
	opts.Log.Info("starting etcd and kube-apiserver", "binaries", assets)
	if _, err := env.Start(); err != nil {
		return nil, fmt.Errorf("starting the control plane: %w", err)
	}
	cp := &ControlPlane{env: env, Dir: opts.Dir, Kubectl: filepath.Join(assets, "kubectl"), log: opts.Log}
	if err := cp.admin(); err != nil {
		_ = env.Stop()
		return nil, err
	}
	return cp, nil
}

// admin creates the admin user, its clients and its kubeconfig file.
func (cp *ControlPlane) admin() error {
	user, err := cp.env.AddUser(envtest.User{Name: "gpuguard-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fmt.Errorf("creating the admin user: %w", err)
	}
	cp.Config = user.Config()
	// Tests drive hundreds of requests; client-go's default of 5 per second
	// would make them wait on the client, not on the server.
	cp.Config.QPS, cp.Config.Burst = 1000, 2000
	kc, err := user.KubeConfig()
	if err != nil {
		return fmt.Errorf("rendering the admin kubeconfig: %w", err)
	}
	cp.Kubeconfig = filepath.Join(cp.Dir, "kubeconfig")
	if err := os.WriteFile(cp.Kubeconfig, kc, 0o600); err != nil {
		return fmt.Errorf("writing the kubeconfig: %w", err)
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return fmt.Errorf("building scheme: %w", err)
	}
	if cp.Client, err = client.New(cp.Config, client.Options{Scheme: scheme}); err != nil {
		return fmt.Errorf("building the admin client: %w", err)
	}
	if cp.Clientset, err = kubernetes.NewForConfig(cp.Config); err != nil {
		return fmt.Errorf("building the admin clientset: %w", err)
	}
	return nil
}

// Stop ends etcd and kube-apiserver and removes their data.
func (cp *ControlPlane) Stop() error {
	cp.log.Info("stopping etcd and kube-apiserver")
	if err := cp.env.Stop(); err != nil {
		return fmt.Errorf("stopping the control plane: %w", err)
	}
	return nil
}

// Impersonate returns a REST config that acts as the given identity, as the
// API server would authenticate it (admins may impersonate).
func (cp *ControlPlane) Impersonate(user string, groups []string, extra map[string][]string) *rest.Config {
	c := rest.CopyConfig(cp.Config)
	c.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: groups, Extra: extra}
	return c
}

// WritePolicy writes a policy file into Dir and returns its path.
func (cp *ControlPlane) WritePolicy(name, content string) (string, error) {
	path := filepath.Join(cp.Dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		return "", fmt.Errorf("writing the policy file: %w", err)
	}
	return path, nil
}
