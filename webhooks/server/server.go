package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	nodev1 "k8s.io/api/node/v1"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/gpuguard/gpuguard/certs"
	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/config/clusterpolicy"
	"github.com/gpuguard/gpuguard/webhooks/daemonset"
	"github.com/gpuguard/gpuguard/webhooks/facts"
	"github.com/gpuguard/gpuguard/webhooks/pod"
)

// ErrNoRESTConfig is returned by New without a REST config.
var ErrNoRESTConfig = errors.New("no API server configuration: set Config.RESTConfig")

// Server is a built, not yet started, webhook server.
type Server struct {
	mgr    manager.Manager
	hooks  *hookServer
	feeder *facts.Feeder
	policy PolicySource
	// operator follows the GPU Operator's ClusterPolicy for migStrategy auto.
	operator *clusterpolicy.Watcher
	certs    certs.Source
	metrics  *metrics
	// onPolicyChange re-reports the MIG strategy after a policy reload.
	onPolicyChange func()
	// rcSynced is set once the RuntimeClass cache is synced, so that no
	// admission request waits for it.
	rcSynced atomic.Bool
}

// PolicySource returns the policy in force for each decision.
type PolicySource interface{ Current() *config.Policy }

type staticPolicy struct{ p *config.Policy }

func (s staticPolicy) Current() *config.Policy { return s.p }

// New builds the manager, the webhook server and every handler.
func New(cfg Config) (*Server, error) {
	cfg.applyDefaults()
	if cfg.RESTConfig == nil {
		return nil, ErrNoRESTConfig
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("building scheme: %w", err)
	}
	hooks := newHookServer(cfg, []func(*tls.Config){tlsHardening, func(c *tls.Config) {
		// Each handshake asks for the current certificate: a rotation
		// never drops a connection or needs a restart.
		c.GetCertificate = cfg.Certs.GetCertificate
	}})
	// The manager's own bound covers the drain and the in-flight reviews.
	shutdown := max(cfg.Limits.DrainDelay, 0) + cfg.ShutdownTimeout + 5*time.Second
	mgr, err := ctrl.NewManager(cfg.RESTConfig, ctrl.Options{
		Scheme:                  scheme,
		Logger:                  cfg.Log,
		WebhookServer:           hooks,
		Metrics:                 metricsserver.Options{BindAddress: cfg.MetricsAddr},
		HealthProbeBindAddress:  cfg.HealthAddr,
		GracefulShutdownTimeout: &shutdown,
		// Node facts are read from labels alone; managed fields are the
		// biggest part of a Node's metadata and never consulted.
		Cache: cache.Options{DefaultTransform: cache.TransformStripManagedFields()},
	})
	if err != nil {
		return nil, fmt.Errorf("building manager: %w", err)
	}
	// GetWebhookServer is what adds hooks to the manager's runnables.
	mgr.GetWebhookServer()
	s := &Server{mgr: mgr, hooks: hooks, certs: cfg.Certs, metrics: newMetrics(cfg.Registry)}
	if err := mgr.Add(manager.RunnableFunc(cfg.Certs.Start)); err != nil {
		return nil, fmt.Errorf("adding certificate source: %w", err)
	}
	if err := s.setPolicy(cfg); err != nil {
		return nil, err
	}
	if err := s.followClusterPolicy(cfg); err != nil {
		return nil, err
	}
	s.feeder = &facts.Feeder{Index: facts.NewIndex(), Informers: mgr.GetCache()}
	if err := mgr.Add(s.feeder); err != nil {
		return nil, fmt.Errorf("adding node facts feeder: %w", err)
	}
	if err := mgr.Add(manager.RunnableFunc(s.warmRuntimeClasses)); err != nil {
		return nil, fmt.Errorf("adding RuntimeClass cache: %w", err)
	}
	report := &eventReporter{recorder: mgr.GetEventRecorder("gpuguard-webhook"), count: s.metrics.factDisagreements}
	rcExists := runtimeClassExists(mgr.GetClient())
	idx := s.feeder.Index
	registerHandlers(s.hooks, Handlers(Deps{
		Policy: s.policy.Current, Metrics: s.metrics.admit,
		MIGConfigs: (&migConfigLoader{reader: mgr.GetAPIReader()}).load, Report: report,
		Pod:       pod.Env{RuntimeClassExists: rcExists, Offers: idx.Offers},
		DaemonSet: daemonset.Env{RuntimeClassExists: rcExists, EnabledNodes: idx.EnabledNodes},
	}))
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return nil, fmt.Errorf("adding health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("ready", s.Ready); err != nil {
		return nil, fmt.Errorf("adding readiness check: %w", err)
	}
	return s, nil
}

func (s *Server) setPolicy(cfg Config) error {
	if cfg.PolicyFile == "" {
		cfg.Log.Info("no policy file given; serving the default policy")
		s.policy = staticPolicy{p: config.Default()}
		return nil
	}
	w, err := config.NewWatcher(cfg.PolicyFile, config.WithLogger(cfg.Log.WithName("policy")),
		config.WithOnReload(func(p *config.Policy, err error) {
			s.metrics.recordPolicyReload(p, err)
			if s.onPolicyChange != nil {
				s.onPolicyChange()
			}
		}))
	if err != nil {
		return err
	}
	if err := s.mgr.Add(w); err != nil {
		return fmt.Errorf("adding policy watcher: %w", err)
	}
	s.policy = w
	return nil
}

// tlsHardening keeps TLS at 1.2 or newer and turns HTTP/2 off: HTTP/2's
// stream multiplexing exposed servers to rapid-reset and similar attacks
// (CVE-2023-44487), and admission reviews gain nothing from it.
func tlsHardening(c *tls.Config) {
	c.MinVersion = tls.VersionTLS12
	c.NextProtos = []string{"http/1.1"}
}

// Start runs everything until ctx is done, then finishes in-flight reviews.
func (s *Server) Start(ctx context.Context) error {
	return s.mgr.Start(ctx)
}

// Ready is nil once the serving certificate is loaded and served, and the
// Node facts index is synced. It backs /readyz.
func (s *Server) Ready(req *http.Request) error {
	if !s.feeder.Synced() {
		return errors.New("node facts not synced yet")
	}
	if !s.rcSynced.Load() {
		return errors.New("RuntimeClass cache not synced yet")
	}
	if !s.operator.Settled() {
		return errors.New("GPU Operator ClusterPolicy not read yet (migStrategy auto follows it)")
	}
	if err := s.certs.Ready(); err != nil {
		return fmt.Errorf("serving certificate: %w", err)
	}
	if req == nil {
		req = &http.Request{}
	}
	if err := s.hooks.StartedChecker()(req); err != nil {
		return fmt.Errorf("webhook server: %w", err)
	}
	return nil
}

func (s *Server) warmRuntimeClasses(ctx context.Context) error {
	if _, err := s.mgr.GetCache().GetInformer(ctx, &nodev1.RuntimeClass{}); err != nil {
		return fmt.Errorf("watching RuntimeClasses: %w", err)
	}
	s.rcSynced.Store(true)
	return nil
}

// Policy returns the policy source the handlers consult.
func (s *Server) Policy() PolicySource { return s.policy }
