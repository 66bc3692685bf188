package harness

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// Release and Namespace are what the harness installs the chart as, so that
// identities match the policy defaults (gpuguard/gpuguard-labeler).
const (
	Release   = "gpuguard"
	Namespace = "gpuguard"
	// KubeVersion is the control plane's, for the chart's kubeVersion check.
	KubeVersion = "1.37.2"
)

// ErrNoHelm means the pinned helm is not built.
var ErrNoHelm = errors.New("helm not found")

// Rendered is the chart's output: typed objects for the kinds client-go
// knows, raw documents for the rest (cert-manager's).
type Rendered struct {
	Objects []client.Object
	Other   []map[string]any
}

// RenderChart runs `helm template` on config/helm/gpuguard with the given
// --set values. It is the one source of the objects tests and `make run`
// install: nothing is kept as a hand-made copy.
func RenderChart(set ...string) (*Rendered, error) {
	return RenderRelease(Release, Namespace, set...)
}

// RenderRelease is RenderChart for another release name and namespace, as
// a user who installs the chart under their own names gets it.
func RenderRelease(release, namespace string, set ...string) (*Rendered, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	helm := os.Getenv("HELM")
	if helm == "" {
		helm = filepath.Join(root, "bin", "tools", "helm")
	}
	if _, err := os.Stat(helm); err != nil {
		return nil, fmt.Errorf("%w at %s; run `make helm-bin` (builds helm v3.22.0 from source once)", ErrNoHelm, helm)
	}
	args := []string{"template", release, filepath.Join(root, "config", "helm", "gpuguard"),
		"--namespace", namespace, "--kube-version", KubeVersion}
	sort.Strings(set)
	for _, s := range set {
		args = append(args, "--set", s)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(helm, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("helm template: %w: %s", err, stderr.String())
	}
	return parse(out)
}

func parse(out []byte) (*Rendered, error) {
	r := &Rendered{}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(out)))
	decode := scheme.Codecs.UniversalDeserializer().Decode
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return r, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading rendered chart: %w", err)
		}
		if len(bytes.TrimSpace(doc)) == 0 || bytes.Equal(bytes.TrimSpace(doc), []byte("---")) {
			continue
		}
		obj, _, err := decode(doc, nil, nil)
		if runtime.IsNotRegisteredError(err) {
			var m map[string]any
			if err := yaml.Unmarshal(doc, &m); err != nil {
				return nil, fmt.Errorf("decoding rendered document: %w", err)
			}
			r.Other = append(r.Other, m)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("decoding rendered document: %w\n%s", err, doc)
		}
		co, ok := obj.(client.Object)
		if !ok {
			return nil, fmt.Errorf("rendered %T is not an object", obj)
		}
		r.Objects = append(r.Objects, co)
	}
}

// OfType returns the rendered objects of type T.
func OfType[T client.Object](r *Rendered) []T {
	var out []T
	for _, o := range r.Objects {
		if t, ok := o.(T); ok {
			out = append(out, t)
		}
	}
	return out
}

// Install creates the chart's namespace, service accounts, RBAC and
// ValidatingAdmissionPolicies, so simulated components have exactly the
// permissions and confinement an install gives them.
func (cp *ControlPlane) Install(ctx context.Context, chart *Rendered) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: Namespace}}
	objs := []client.Object{ns}
	for _, o := range chart.Objects {
		switch o.(type) {
		case *corev1.ServiceAccount, *rbacv1.ClusterRole, *rbacv1.ClusterRoleBinding, *rbacv1.Role, *rbacv1.RoleBinding,
			*admissionregistrationv1.ValidatingAdmissionPolicy, *admissionregistrationv1.ValidatingAdmissionPolicyBinding:
			objs = append(objs, o)
		}
	}
	return cp.Grant(ctx, objs...)
}

// PolicyFrom writes the policy of the chart's ConfigMap into Dir/name.
func (cp *ControlPlane) PolicyFrom(chart *Rendered, name string) (string, error) {
	for _, cm := range OfType[*corev1.ConfigMap](chart) {
		if p, ok := cm.Data["policy.yaml"]; ok {
			return cp.WritePolicy(name, p)
		}
	}
	return "", errors.New("the rendered chart has no policy ConfigMap")
}
