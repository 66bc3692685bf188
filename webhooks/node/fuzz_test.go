package node

import (
	"context"
	"net/http"
	"testing"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/admit/admittest"
	"github.com/gpuguard/gpuguard/webhooks/facts"
)

func noMIGConfigs(context.Context, *config.Policy) (MIGConfigs, error) { return nil, nil }

func handler() http.Handler {
	return admittest.Handler("node", Decide(noMIGConfigs, nil), config.Default())
}

const seedReview = `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1",
"kind":{"group":"","version":"v1","kind":"Node"},"resource":{"group":"","version":"v1","resource":"nodes"},
"name":"gpu-a100-0","operation":"UPDATE","userInfo":{"username":"alice","groups":["system:authenticated"]},
"object":{"apiVersion":"v1","kind":"Node","metadata":{"name":"gpu-a100-0","labels":{"nvidia.com/gpu.deploy.dcgm-exporter":"False","nvidia.com/gpu.product":"x"}}},
"oldObject":{"apiVersion":"v1","kind":"Node","metadata":{"name":"gpu-a100-0","labels":{"nvidia.com/gpu.product":"NVIDIA-A100"}}}}}`

// FuzzNodeAdmission sends arbitrary bodies to the node webhook: it must
// never panic and must always answer with an AdmissionReview (or a 400 for
// what is not one).
func FuzzNodeAdmission(f *testing.F) {
	f.Add([]byte(seedReview))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"2","kind":{"kind":"Node"},"operation":"CREATE","object":{"metadata":{"labels":{"nvidia.com/mig.config":"all-1g.5gb"}}}}}`))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"3","kind":{"kind":"Pod"},"operation":"DELETE"}}`))
	f.Add([]byte(`{}`))
	h := handler()
	f.Fuzz(func(t *testing.T, body []byte) { admittest.Check(t, h, body) })
}

func TestSeedReviewIsDenied(t *testing.T) {
	_, review, raw := admittest.Serve(handler(), []byte(seedReview))
	if review == nil {
		t.Fatalf("not an AdmissionReview: %s", raw)
	}
	if review.Response.Allowed || review.Response.Result.Code != http.StatusForbidden {
		t.Fatalf("want a 403 denial, got %+v", review.Response)
	}
	want := `nodes "gpu-a100-0" is forbidden: gpuguard node rules: [metadata.labels[nvidia.com/gpu.deploy.dcgm-exporter]: Invalid value: "False": values are case-sensitive: use "false", not "False"` +
		`, metadata.labels[nvidia.com/gpu.product]: Forbidden: nvidia.com/gpu.product is discovered from the hardware by the gpuguard labeler and cannot be edited (its writers: nfd-master, gpuguard-labeler; the policy's identities.writers adds one)]`
	if review.Response.Result.Message != want {
		t.Fatalf("message:\n%s\nwant:\n%s", review.Response.Result.Message, want)
	}
}

func BenchmarkNodeValidation(b *testing.B) {
	h := handler()
	b.ReportAllocs()
	for b.Loop() {
		admittest.Serve(h, []byte(seedReview))
	}
}

func BenchmarkValidate(b *testing.B) {
	old := a100()
	r := &Request{Username: person, Name: "gpu-a100-0", Policy: config.Default(), Old: old,
		New: edit(old, map[string]string{facts.LabelDeployPrefix + "dcgm-exporter": "False", labelMIGConfig: "all-1g.5gb"})}
	b.ReportAllocs()
	for b.Loop() {
		Validate(r)
	}
}
