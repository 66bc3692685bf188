package admit_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/admit"
	"github.com/gpuguard/gpuguard/webhooks/admit/admittest"
	"github.com/gpuguard/gpuguard/webhooks/verdict"
)

// manyViolations reports n violations of one rule, as a request with n bad
// labels does, plus the same problem twice.
func manyViolations(n int, rule config.Rule) decision {
	return func(context.Context, admit.Request[struct{}], *config.Policy) (verdict.Verdict, error) {
		var v verdict.Verdict
		path := field.NewPath("metadata", "labels")
		v.Add(rule, field.Invalid(path.Key("dup"), "x", "duplicate"))
		v.Add(rule, field.Invalid(path.Key("dup"), "x", "duplicate"))
		for i := range n {
			v.Add(rule, field.Invalid(path.Key(fmt.Sprintf("nvidia.com/gpu.deploy.junk-%d", i)), "x", "unknown GPU component"))
		}
		return v, nil
	}
}

// A request breaking a rule 50,000 times is refused with a bounded message:
// the first MaxListed distinct problems, then how many more (issue 11: the
// message used to grow quadratically and time the webhook out).
func TestDenialIsBounded(t *testing.T) {
	const n = 50_000
	_, r, raw := admittest.Serve(admittest.Handler(podSpec("node", manyViolations(n, config.RuleDeployLabels)), config.Default()), []byte(review))
	require.NotNil(t, r, "%s", raw)
	require.False(t, r.Response.Allowed)
	res := r.Response.Result
	assert.Equal(t, int32(http.StatusForbidden), res.Code)
	assert.Len(t, res.Details.Causes, admit.MaxListed)
	assert.Equal(t, 1, strings.Count(res.Message, "duplicate"), "the same problem is listed once")
	assert.Equal(t, admit.MaxListed-1, strings.Count(res.Message, "unknown GPU component"))
	// 2 duplicates + n: 1 duplicate and MaxListed-1 others listed.
	assert.Contains(t, res.Message, fmt.Sprintf(", and %d more]", n+2-admit.MaxListed-1))
	assert.Less(t, len(res.Message), 4096, "the message stays short")
}

// Warnings are bounded the same way.
func TestWarningsAreBounded(t *testing.T) {
	p, err := config.Parse("p", []byte("enforcement: {unsatisfiable: warn}\n"))
	require.NoError(t, err)
	_, r, raw := admittest.Serve(admittest.Handler(podSpec("pod", manyViolations(1000, config.RuleUnsatisfiable)), p), []byte(review))
	require.NotNil(t, r, "%s", raw)
	assert.True(t, r.Response.Allowed)
	require.Len(t, r.Response.Warnings, admit.MaxListed+1)
	assert.Equal(t, fmt.Sprintf("gpuguard: and %d more warnings", 1002-admit.MaxListed), r.Response.Warnings[admit.MaxListed])
}

// Time per review grows linearly with the number of violations: compare
// ns/op across the sizes (about 10× from 1k to 10k, 5× from 10k to 50k).
func BenchmarkDenial(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 50_000} {
		h := admittest.Handler(podSpec("node", manyViolations(n, config.RuleDeployLabels)), config.Default())
		b.Run(fmt.Sprintf("violations=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				admittest.Serve(h, []byte(review))
			}
		})
	}
}
