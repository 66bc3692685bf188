package perf_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/test/perf"
)

// TestMain logs as the webhook binary does (zap, info level), into nothing.
func TestMain(m *testing.M) {
	logf.SetLogger(zap.New(zap.WriteTo(io.Discard)))
	os.Exit(m.Run())
}

// The fixtures exercise what they claim: the GPU pod and the DaemonSet are
// patched, the CPU pod is not, every review is allowed, and the patching
// baseline answers exactly gpuguard's patch.
func TestReviews(t *testing.T) {
	reviews, err := perf.Reviews()
	require.NoError(t, err)
	hs := perf.Gpuguard(config.Default(), perf.Index())
	patched := map[string]bool{"gpu-pod": true, "daemonset": true}
	for _, r := range reviews {
		t.Run(r.Name, func(t *testing.T) {
			patch, err := perf.PatchOf(hs[r.Path], r.Body)
			require.NoError(t, err)
			assert.Equal(t, patched[r.Name], len(patch) > 0, "patch: %s", patch)
			again, err := perf.PatchOf(perf.Patching(patch), r.Body)
			require.NoError(t, err)
			assert.Equal(t, string(patch), string(again))
		})
	}
}

// BenchmarkWebhook serves each review through the full controller-runtime
// path (HTTP body in, AdmissionReview out) to gpuguard, to a no-op handler
// and, where gpuguard patches, to a handler returning the same patch.
// `make bench` runs it in alternating rounds and prints the ratios.
func BenchmarkWebhook(b *testing.B) {
	reviews, err := perf.Reviews()
	require.NoError(b, err)
	hs := perf.Gpuguard(config.Default(), perf.Index())
	for _, r := range reviews {
		patch, err := perf.PatchOf(hs[r.Path], r.Body)
		require.NoError(b, err)
		variants := []struct {
			name string
			h    http.Handler
		}{{"gpuguard", hs[r.Path]}, {"noop", perf.NoOp()}}
		if len(patch) > 0 {
			variants = append(variants, struct {
				name string
				h    http.Handler
			}{"patch", perf.Patching(patch)})
		}
		for _, v := range variants {
			b.Run(r.Name+"/"+v.name, func(b *testing.B) { serve(b, v.h, r.Body) })
		}
	}
}

// serve reports, besides ns/op, cpu-ns/op: the process's CPU time per
// review, which stays meaningful on a machine busy with other work.
func serve(b *testing.B, h http.Handler, body []byte) {
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("HTTP %d: %s", rec.Code, rec.Body.Bytes())
		}
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}
