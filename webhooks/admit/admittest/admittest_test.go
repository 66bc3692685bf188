package admittest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/admit"
	"github.com/gpuguard/gpuguard/webhooks/admit/admittest"
)

const review = `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1",
"kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","object":{"metadata":{"name":"p"}}}}`

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
	panics := func(context.Context, admission.Request, *config.Policy) (admit.Verdict, error) {
		panic("index out of range")
	}
	r := &recorder{TB: t}
	admittest.Check(r, admittest.Handler("pod", panics, config.Default()), []byte(review))
	if !strings.Contains(r.failed, "panic: index out of range") {
		t.Fatalf("Check passed a handler that panicked (controller-runtime answers 200 with code 500); recorded %q", r.failed)
	}
}

func TestCheckPassesDecisions(t *testing.T) {
	allows := func(context.Context, admission.Request, *config.Policy) (admit.Verdict, error) {
		return admit.Verdict{}, nil
	}
	refuses := func(context.Context, admission.Request, *config.Policy) (admit.Verdict, error) {
		return admit.Verdict{}, fmt.Errorf("undecodable")
	}
	for name, d := range map[string]admit.DecideFunc{"allow": allows, "bad request": refuses} {
		r := &recorder{TB: t}
		admittest.Check(r, admittest.Handler("pod", d, config.Default()), []byte(review))
		if r.failed != "" {
			t.Errorf("%s: Check failed a handler that did not panic: %s", name, r.failed)
		}
	}
}
