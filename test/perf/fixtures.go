package perf

import (
	"encoding/json"
	"fmt"
	"maps"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/gpuguard/gpuguard/config"
)

// Review is one AdmissionReview body and the gpuguard path that judges it.
type Review struct {
	// Name identifies the review in benchmark names and reports.
	Name string
	// Path is the gpuguard webhook path (config.Path*).
	Path string
	Body []byte
}

// Reviews are the bodies measured everywhere: a GPU pod (mutating and
// validating), a CPU pod, a component DaemonSet, and a deploy-label edit of
// a realistic Node, as the API server sends them.
func Reviews() ([]Review, error) {
	admin := authenticationv1.UserInfo{Username: "kubernetes-admin", Groups: []string{"system:masters", "system:authenticated"}}
	pod := GPUPod("train-0")
	pod.Namespace = "ml"
	cpu := CPUPod("prep-0")
	cpu.Namespace = "ml"
	ds := ComponentDaemonSet()
	oldNode := RealisticNode("gpu-h100-0")
	newNode := oldNode.DeepCopy()
	newNode.Labels = maps.Clone(oldNode.Labels)
	newNode.Labels["nvidia.com/gpu.deploy.dcgm-exporter"] = "false"

	podReq := func(name string, obj runtime.Object) request {
		return request{kind: metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			resource: metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
			name:     name, namespace: "ml", op: admissionv1.Create, user: admin, obj: obj}
	}
	specs := []struct {
		name, path string
		req        request
	}{
		{"gpu-pod", config.PathMutatePods, podReq(pod.Name, pod)},
		{"gpu-pod-validate", config.PathValidatePods, podReq(pod.Name, pod)},
		{"cpu-pod", config.PathMutatePods, podReq(cpu.Name, cpu)},
		{"daemonset", config.PathMutateDaemonSets, request{kind: metav1.GroupVersionKind{Group: "apps", Version: "v1", Kind: "DaemonSet"},
			resource: metav1.GroupVersionResource{Group: "apps", Version: "v1", Resource: "daemonsets"},
			name:     ds.Name, namespace: ds.Namespace, op: admissionv1.Create, user: admin, obj: ds}},
		{"node", config.PathValidateNodes, request{kind: metav1.GroupVersionKind{Version: "v1", Kind: "Node"},
			resource: metav1.GroupVersionResource{Version: "v1", Resource: "nodes"},
			name:     newNode.Name, op: admissionv1.Update, user: admin, obj: newNode, old: oldNode}},
	}
	out := make([]Review, 0, len(specs))
	for i, s := range specs {
		body, err := s.req.body(fmt.Sprintf("0b5e7c9a-0000-4000-8000-%012d", i))
		if err != nil {
			return nil, fmt.Errorf("review %s: %w", s.name, err)
		}
		out = append(out, Review{Name: s.name, Path: s.path, Body: body})
	}
	return out, nil
}

type request struct {
	kind            metav1.GroupVersionKind
	resource        metav1.GroupVersionResource
	name, namespace string
	op              admissionv1.Operation
	user            authenticationv1.UserInfo
	obj, old        runtime.Object
}

func (r request) body(uid string) ([]byte, error) {
	raw := func(o runtime.Object) (runtime.RawExtension, error) {
		if o == nil {
			return runtime.RawExtension{}, nil
		}
		b, err := json.Marshal(o)
		return runtime.RawExtension{Raw: b}, err
	}
	obj, err := raw(r.obj)
	if err != nil {
		return nil, err
	}
	old, err := raw(r.old)
	if err != nil {
		return nil, err
	}
	optKind := "CreateOptions"
	if r.op == admissionv1.Update {
		optKind = "UpdateOptions"
	}
	opts := []byte(`{"kind":"` + optKind + `","apiVersion":"meta.k8s.io/v1","fieldManager":"kubectl-client-side-apply"}`)
	dry := false
	review := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID: types.UID(uid), Kind: r.kind, Resource: r.resource, RequestKind: &r.kind, RequestResource: &r.resource,
			Name: r.name, Namespace: r.namespace, Operation: r.op, UserInfo: r.user,
			Object: obj, OldObject: old, DryRun: &dry, Options: runtime.RawExtension{Raw: opts},
		},
	}
	return json.Marshal(review)
}
