package admittest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/admit"
	"github.com/gpuguard/gpuguard/webhooks/admit/admittest"
	"github.com/gpuguard/gpuguard/webhooks/verdict"
)

const review = `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1",
"kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","object":{"metadata":{"name":"p"}}}}`

type decision = func(context.Context, admit.Request[struct{}], *config.Policy) (verdict.Verdict, error)

// podSpec admits Pod CREATE (the test review) with decision d.
func podSpec(d decision) admit.Spec[struct{}] {
	return admit.Spec[struct{}]{
		Name: "pod", Kind: schema.GroupKind{Kind: "Pod"}, Operations: []admissionv1.Operation{admissionv1.Create},
		Decode: func([]byte) (struct{}, error) { return struct{}{}, nil },
		Decide: d,
	}
}

// recorder is a testing.TB that records a Fatalf instead of stopping.
type recorder struct {
	testing.TB
	failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
}

func TestCheckSeesRecoveredPanics(t *testing.T) {
	panics := func(context.Context, admit.Request[struct{}], *config.Policy) (verdict.Verdict, error) {
		panic("index out of range")
	}
	r := &recorder{TB: t}
	admittest.Check(r, admittest.Handler(podSpec(panics), config.Default()), []byte(review))
	if !strings.Contains(r.failed, "panic: index out of range") {
		t.Fatalf("Check passed a handler that panicked (controller-runtime answers 200 with code 500); recorded %q", r.failed)
	}
}

func TestCheckPassesDecisions(t *testing.T) {
	allows := func(context.Context, admit.Request[struct{}], *config.Policy) (verdict.Verdict, error) {
		return verdict.Verdict{}, nil
	}
	refuses := func(context.Context, admit.Request[struct{}], *config.Policy) (verdict.Verdict, error) {
		return verdict.Verdict{}, fmt.Errorf("undecidable")
	}
	for name, d := range map[string]decision{"allow": allows, "bad request": refuses} {
		r := &recorder{TB: t}
		admittest.Check(r, admittest.Handler(podSpec(d), config.Default()), []byte(review))
		if r.failed != "" {
			t.Errorf("%s: Check failed a handler that did not panic: %s", name, r.failed)
		}
	}
}
