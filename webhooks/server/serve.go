package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"golang.org/x/net/netutil"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
)

// Limits bound what one client can make the webhook server hold. Zero
// values mean the documented defaults.
type Limits struct {
	// MaxConnections caps open connections. Default 256: the API server
	// keeps a pool of a few connections per replica and opens more only
	// under bursts; each connection holds about 140 KiB (TLS buffers,
	// goroutine), so the cap keeps idle and slow connections under 40 MiB.
	MaxConnections int
	// MaxBodyBytes caps a review's body. Default DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// ReadTimeout bounds reading one request, headers and body. Default 10s:
	// the API server sends a review at once, and waits at most 30s for the
	// answer anyway.
	ReadTimeout time.Duration
	// DrainDelay is how long the server keeps serving after a stop signal,
	// reporting not-ready, so that the API server's view of the Service
	// endpoints moves to other replicas first. Default 5s; negative: none.
	DrainDelay time.Duration
}

// DefaultMaxBodyBytes is the largest review body read: an UPDATE review
// carries two objects, and etcd stores at most 1.5 MiB per object (its
// --max-request-bytes default, which the API server's storage honours), so
// 2 × 1.5 MiB plus 512 KiB for the review's own fields (user info, options)
// and JSON escaping is enough for any object that can exist. Larger bodies
// are refused with 413 before they are decoded.
const DefaultMaxBodyBytes = 3*1024*1024 + 512*1024

func (l *Limits) applyDefaults() {
	if l.MaxConnections == 0 {
		l.MaxConnections = 256
	}
	if l.MaxBodyBytes == 0 {
		l.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if l.ReadTimeout == 0 {
		l.ReadTimeout = 10 * time.Second
	}
	if l.DrainDelay == 0 {
		l.DrainDelay = 5 * time.Second
	}
}

// hookServer serves the webhooks with the limits above. Registration, the
// mux and controller-runtime's request metrics come from its
// webhook.DefaultServer; only serving is its own, because DefaultServer
// sets no connection cap, no read or write timeouts and closes its listener
// the moment it is told to stop.
type hookServer struct {
	webhook.Server
	host     string
	port     int
	tlsOpts  []func(*tls.Config)
	limits   Limits
	shutdown time.Duration
	log      logr.Logger

	started, draining atomic.Bool
}

var _ webhook.Server = (*hookServer)(nil)

func newHookServer(cfg Config, tlsOpts []func(*tls.Config)) *hookServer {
	port := cfg.Port
	if port == 0 {
		port = webhook.DefaultPort
	}
	return &hookServer{
		Server: webhook.NewServer(webhook.Options{Host: cfg.Host, Port: port}),
		host:   cfg.Host, port: port, tlsOpts: tlsOpts, limits: cfg.Limits,
		shutdown: cfg.ShutdownTimeout, log: cfg.Log.WithName("webhook-server"),
	}
}

// Register wraps each handler in the body limit and quiet abort handling.
func (s *hookServer) Register(path string, hook http.Handler) {
	s.Server.Register(path, &guard{next: hook, maxBody: s.limits.MaxBodyBytes, log: s.log.WithValues("webhook", path)})
}

// Start serves until ctx is done, then drains: not ready at once, serving
// for DrainDelay, then no new connections and up to the shutdown timeout
// for in-flight reviews.
func (s *hookServer) Start(ctx context.Context) error {
	cfg := &tls.Config{}
	for _, o := range s.tlsOpts {
		o(cfg)
	}
	raw, err := net.Listen("tcp", net.JoinHostPort(s.host, strconv.Itoa(s.port)))
	if err != nil {
		return fmt.Errorf("listening for webhook requests: %w", err)
	}
	ln := tls.NewListener(netutil.LimitListener(raw, s.limits.MaxConnections), cfg)
	srv := &http.Server{
		Handler:           s.WebhookMux(),
		ReadHeaderTimeout: s.limits.ReadTimeout,
		ReadTimeout:       s.limits.ReadTimeout,
		// The API server waits at most 30s (timeoutSeconds) for an answer.
		WriteTimeout:   35 * time.Second,
		IdleTimeout:    90 * time.Second,
		MaxHeaderBytes: 64 << 10,
		// TLS handshake failures and aborted connections are the client's
		// business: one line at debug level.
		ErrorLog: log.New(logWriter{s.log.V(1)}, "", 0),
	}
	drained := make(chan error, 1)
	go func() {
		<-ctx.Done()
		s.draining.Store(true)
		s.log.Info("stopping: not ready, still serving while endpoints move", "drainDelay", s.limits.DrainDelay, "shutdownTimeout", s.shutdown)
		if s.limits.DrainDelay > 0 {
			time.Sleep(s.limits.DrainDelay)
		}
		sctx, cancel := context.WithTimeout(context.Background(), s.shutdown)
		defer cancel()
		drained <- srv.Shutdown(sctx)
	}()
	s.log.Info("serving webhooks", "addr", raw.Addr().String(), "maxConnections", s.limits.MaxConnections, "maxBodyBytes", s.limits.MaxBodyBytes)
	s.started.Store(true)
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving webhooks: %w", err)
	}
	if err := <-drained; err != nil {
		return fmt.Errorf("finishing in-flight reviews: %w", err)
	}
	s.log.Info("stopped: every in-flight review answered")
	return nil
}

// StartedChecker is healthy once serving and until a stop begins.
func (s *hookServer) StartedChecker() healthz.Checker {
	return func(*http.Request) error {
		switch {
		case s.draining.Load():
			return errors.New("stopping: draining in-flight reviews")
		case !s.started.Load():
			return errors.New("webhook server has not started yet")
		}
		return nil
	}
}

// logWriter turns the HTTP server's log lines into logr messages.
type logWriter struct{ log logr.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	w.log.Info(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
