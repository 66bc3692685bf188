package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// guard reads a review's body within maxBody before controller-runtime
// decodes it, and keeps clients that went away out of the error log.
//
// controller-runtime reads up to its own fixed 7 MiB and logs every failed
// read or write — a client that hung up, a timed-out body — as an ERROR
// with a stack trace; nothing was wrong with the server, so here that is
// one line at debug level.
type guard struct {
	next    http.Handler
	maxBody int64
	log     logr.Logger
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Body != nil && r.Body != http.NoBody {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, g.maxBody))
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			g.log.V(1).Info("review body too large; refused", "limit", g.maxBody, "remote", r.RemoteAddr)
			writeReview(w, admission.Errored(http.StatusRequestEntityTooLarge,
				fmt.Errorf("request body larger than %d bytes: no review of objects etcd can store is that large", g.maxBody)))
			return
		case err != nil:
			g.log.V(1).Info("review aborted while reading its body", "remote", r.RemoteAddr, "reason", err.Error())
			// Close the connection without an answer and without the
			// server's stack trace: the client is gone or too slow.
			panic(http.ErrAbortHandler)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	// controller-runtime writes into a buffer, which never fails; writing
	// it to a client that is gone is logged here, quietly.
	buf := &bufferedWriter{header: w.Header()}
	g.next.ServeHTTP(buf, r)
	if buf.code != 0 {
		w.WriteHeader(buf.code)
	}
	if _, err := w.Write(buf.body.Bytes()); err != nil {
		g.log.V(1).Info("client went away before the answer was written", "remote", r.RemoteAddr, "reason", err.Error())
	}
}

// writeReview answers with a bare AdmissionReview, as controller-runtime
// does for a body it cannot decode.
func writeReview(w http.ResponseWriter, resp admission.Response) {
	review := admissionv1.AdmissionReview{Response: &resp.AdmissionResponse}
	review.SetGroupVersionKind(admissionv1.SchemeGroupVersion.WithKind("AdmissionReview"))
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(review) // a failed write means the client is gone
}

// bufferedWriter collects a response so that it is written in one piece.
type bufferedWriter struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header         { return b.header }
func (b *bufferedWriter) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *bufferedWriter) WriteHeader(code int)        { b.code = code }
