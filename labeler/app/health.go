package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Health answers the kubelet's probes from the labeler's own progress:
// ready once a labelling cycle has run, alive while cycles keep coming. A
// labeler stuck in a call that never returns stops cycling; its liveness
// probe then fails and the kubelet restarts it.
type Health struct {
	// Cycles reports how many cycles have run.
	Cycles func() uint64
	// Stale is how long without a new cycle counts as stuck. Its caller
	// sets it to a few sleep intervals plus the time a slow cycle may take.
	Stale time.Duration
	// Now defaults to time.Now.
	Now func() time.Time

	mu     sync.Mutex
	seen   uint64
	seenAt time.Time
}

// CyclesOf counts the observations of a cycle-duration histogram, which
// the loop records once per cycle.
func CyclesOf(h prometheus.Histogram) func() uint64 {
	return func() uint64 {
		var m dto.Metric
		if err := h.Write(&m); err != nil || m.Histogram == nil {
			return 0
		}
		return m.Histogram.GetSampleCount()
	}
}

func (h *Health) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// Ready is nil once a cycle has run.
func (h *Health) Ready() error {
	if h.Cycles() == 0 {
		return errors.New("no labelling cycle has finished yet")
	}
	return nil
}

// Alive is nil while cycles keep coming: the count moved within Stale.
func (h *Health) Alive() error {
	n, now := h.Cycles(), h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.seenAt.IsZero() || n != h.seen {
		h.seen, h.seenAt = n, now
		return nil
	}
	if idle := now.Sub(h.seenAt); idle > h.Stale {
		return fmt.Errorf("no labelling cycle for %s (more than %s): the labeler looks stuck", idle.Round(time.Second), h.Stale)
	}
	return nil
}

// Handler serves /healthz (Alive) and /readyz (Ready).
func (h *Health) Handler() http.Handler {
	mux := http.NewServeMux()
	probe := func(check func() error) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			if err := check(); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
			_, _ = w.Write([]byte("ok"))
		}
	}
	mux.Handle("/healthz", probe(h.Alive))
	mux.Handle("/readyz", probe(h.Ready))
	return mux
}

// Serve serves the probes on addr until ctx is done.
func (h *Health) Serve(ctx context.Context, addr string, log logr.Logger) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening for health probes on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h.Handler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error(err, "health probe server stopped")
		}
	}()
	return nil
}
