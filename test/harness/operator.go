package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/gpuguard/gpuguard/config/clusterpolicy"
)

// ClusterPolicyName is the name the GPU Operator's Helm chart gives its
// ClusterPolicy (NVIDIA/gpu-operator deployments/gpu-operator/templates/clusterpolicy.yaml).
const ClusterPolicyName = "cluster-policy"

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// InstallClusterPolicyCRD installs the minimal ClusterPolicy CRD of
// test/fixtures/gpu-operator and waits until it is served.
func (cp *ControlPlane) InstallClusterPolicyCRD(ctx context.Context) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(filepath.Join(root, "test", "fixtures", "gpu-operator", "clusterpolicy-crd.yaml"))
	if err != nil {
		return fmt.Errorf("reading the ClusterPolicy CRD fixture: %w", err)
	}
	crd := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(raw, &crd.Object); err != nil {
		return fmt.Errorf("decoding the ClusterPolicy CRD fixture: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cp.Config)
	if err != nil {
		return fmt.Errorf("building dynamic client: %w", err)
	}
	if _, err := dyn.Resource(crdGVR).Create(ctx, crd, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating the ClusterPolicy CRD: %w", err)
	}
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := dyn.Resource(clusterpolicy.GVR).List(ctx, metav1.ListOptions{})
		return err == nil, nil
	})
	if err != nil {
		return fmt.Errorf("the ClusterPolicy CRD is never served: %w", err)
	}
	return nil
}

// SetClusterPolicyStrategy creates or updates the ClusterPolicy
// cluster-policy with spec.mig.strategy = strategy ("" leaves it unset), as
// `helm install gpu-operator --set mig.strategy=…` or an edit of it would.
func (cp *ControlPlane) SetClusterPolicyStrategy(ctx context.Context, strategy string) error {
	dyn, err := dynamic.NewForConfig(cp.Config)
	if err != nil {
		return fmt.Errorf("building dynamic client: %w", err)
	}
	mig := map[string]any{}
	if strategy != "" {
		mig["strategy"] = strategy
	}
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": clusterpolicy.GVR.GroupVersion().String(), "kind": "ClusterPolicy",
		"metadata": map[string]any{"name": ClusterPolicyName},
		"spec":     map[string]any{"mig": mig, "operator": map[string]any{"defaultRuntime": "containerd"}},
	}}
	data, err := obj.MarshalJSON()
	if err != nil {
		return fmt.Errorf("encoding the ClusterPolicy: %w", err)
	}
	force := true
	if _, err := dyn.Resource(clusterpolicy.GVR).Patch(ctx, ClusterPolicyName, types.ApplyPatchType, data,
		metav1.PatchOptions{FieldManager: "gpu-operator-helm", Force: &force}); err != nil {
		return fmt.Errorf("applying ClusterPolicy %s with spec.mig.strategy=%q: %w", ClusterPolicyName, strategy, err)
	}
	return nil
}

// DeleteClusterPolicy removes the ClusterPolicy, as uninstalling the GPU
// Operator would.
func (cp *ControlPlane) DeleteClusterPolicy(ctx context.Context) error {
	dyn, err := dynamic.NewForConfig(cp.Config)
	if err != nil {
		return fmt.Errorf("building dynamic client: %w", err)
	}
	if err := dyn.Resource(clusterpolicy.GVR).Delete(ctx, ClusterPolicyName, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting ClusterPolicy %s: %w", ClusterPolicyName, err)
	}
	return nil
}
