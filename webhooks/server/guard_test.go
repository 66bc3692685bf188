package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

const review = `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1",
"kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},
"name":"train","namespace":"ml","operation":"CREATE","object":{}}}`

// logSink records log lines with their level and whether they are errors.
type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (s *logSink) logger() logr.Logger {
	return funcr.New(func(prefix, args string) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.lines = append(s.lines, prefix+" "+args)
	}, funcr.Options{Verbosity: 1, LogCaller: funcr.None})
}

func (s *logSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.lines, "\n")
}

// allowAll answers every review with allowed.
func allowAll(log logr.Logger) http.Handler {
	return &webhook.Admission{
		Handler: admission.HandlerFunc(func(context.Context, admission.Request) admission.Response {
			return admission.Allowed("")
		}),
		LogConstructor: func(logr.Logger, *admission.Request) logr.Logger { return log },
	}
}

func answer(t *testing.T, rec *httptest.ResponseRecorder) *admissionv1.AdmissionResponse {
	t.Helper()
	var r admissionv1.AdmissionReview
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &r), rec.Body.String())
	require.NotNil(t, r.Response)
	return r.Response
}

func TestBodyLimit(t *testing.T) {
	g := &guard{next: allowAll(logr.Discard()), maxBody: int64(len(review)), log: logr.Discard()}
	post := func(body string) *admissionv1.AdmissionResponse {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, req)
		return answer(t, rec)
	}
	assert.True(t, post(review).Allowed, "a body at the limit is read")
	big := post(review + " ")
	assert.False(t, big.Allowed)
	assert.Equal(t, int32(http.StatusRequestEntityTooLarge), big.Result.Code)
	assert.Contains(t, big.Result.Message, "request body larger than")
}

// failingBody fails after its first bytes, as a connection cut mid-body
// or a body that missed the read deadline does.
type failingBody struct{ r io.Reader }

func (b *failingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if errors.Is(err, io.EOF) {
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

func (b *failingBody) Close() error { return nil }

// failingWriter is a client that went away before the answer.
type failingWriter struct{ header http.Header }

func (w *failingWriter) Header() http.Header       { return w.header }
func (w *failingWriter) Write([]byte) (int, error) { return 0, errors.New("write: broken pipe") }
func (w *failingWriter) WriteHeader(int)           {}

// A client that goes away is one debug line, never an ERROR with a stack
// (issue 11: every aborted request logged one).
func TestAbortedRequestsAreQuiet(t *testing.T) {
	sink := &logSink{}
	log := sink.logger()
	g := &guard{next: allowAll(log), maxBody: 1 << 20, log: log}

	req := httptest.NewRequest(http.MethodPost, "/", nil)
	req.Body = &failingBody{r: strings.NewReader(review[:10])}
	req.Header.Set("Content-Type", "application/json")
	assert.PanicsWithValue(t, http.ErrAbortHandler, func() { g.ServeHTTP(&failingWriter{header: http.Header{}}, req) },
		"the connection is dropped without an answer (net/http logs no stack for this value)")

	req = httptest.NewRequest(http.MethodPost, "/", bytes.NewReader([]byte(review)))
	req.Header.Set("Content-Type", "application/json")
	g.ServeHTTP(&failingWriter{header: http.Header{}}, req)

	out := sink.String()
	assert.Contains(t, out, `"review aborted while reading its body"`)
	assert.Contains(t, out, `"client went away before the answer was written"`)
	assert.NotContains(t, out, `"error"`, "no error-level lines:\n%s", out)
	assert.NotContains(t, out, "goroutine", "no stack traces")
	assert.Len(t, strings.Split(out, "\n"), 2, "one line each:\n%s", out)
}
