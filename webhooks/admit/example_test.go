package admit_test

import (
	"context"
	"fmt"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/admit"
	"github.com/gpuguard/gpuguard/webhooks/podview"
	"github.com/gpuguard/gpuguard/webhooks/verdict"
)

// A webhook is a spec: what it admits, how its object is decoded, and a
// pure decision over the decoded object.
func ExampleFor() {
	h := admit.For(admit.Spec[*corev1.Pod]{
		Name: "example", Kind: schema.GroupKind{Kind: "Pod"}, Operations: []admissionv1.Operation{admissionv1.Create},
		Decode: podview.Pod,
		Decide: func(_ context.Context, r admit.Request[*corev1.Pod], _ *config.Policy) (verdict.Verdict, error) {
			var v verdict.Verdict
			v.Warn(fmt.Sprintf("%s has %d container(s)", r.Name, len(r.Object.Spec.Containers)))
			return v, nil
		},
	}, config.Default, admit.NewMetrics(nil))

	req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		Name: "train", Kind: metav1.GroupVersionKind{Version: "v1", Kind: "Pod"}, Operation: admissionv1.Create,
		Object: runtime.RawExtension{Raw: []byte(`{"spec":{"containers":[{"name":"main"}]}}`)},
	}}
	resp := h.Handle(context.Background(), req)
	fmt.Println(resp.Allowed, resp.Warnings)

	req.Operation = admissionv1.Delete
	resp = h.Handle(context.Background(), req)
	fmt.Println(resp.Allowed, resp.Result.Message)
	// Output:
	// true [train has 1 container(s)]
	// false gpuguard example webhook: unexpected admission request: DELETE /v1, Kind=Pod, want CREATE of Pod
}
