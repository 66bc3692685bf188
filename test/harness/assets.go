package harness

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrNoAssets means the control-plane binaries are not built.
var ErrNoAssets = errors.New("control-plane binaries not found")

// AssetsDir finds the directory holding etcd, kube-apiserver and kubectl:
// $KUBEBUILDER_ASSETS when set, else bin/k8s at the repository root (found
// by walking up from the working directory to go.mod).
func AssetsDir() (string, error) {
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, "bin", "k8s")
	}
	for _, b := range []string{"etcd", "kube-apiserver", "kubectl"} {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			return "", fmt.Errorf("%w: %s is missing in %s; run `make k8s-bin` (builds them from source once, about 6 minutes)", ErrNoAssets, b, dir)
		}
	}
	return dir, nil
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the repository root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "test", "tools")); err == nil {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("%w: no gpuguard repository above the working directory; set KUBEBUILDER_ASSETS", ErrNoAssets)
		}
		dir = parent
	}
}
