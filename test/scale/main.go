package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/test/harness"
	"github.com/gpuguard/gpuguard/webhooks/server"
)

type options struct {
	small, large, requests, workers int
}

// phase is what one fleet size measured.
type phase struct {
	nodes      int
	sync       time.Duration
	rss, heap  float64
	pods, node pair
}

func main() {
	var o options
	flag.IntVar(&o.small, "small", 100, "nodes in the first measurement")
	flag.IntVar(&o.large, "large", 5000, "nodes in the second measurement")
	flag.IntVar(&o.requests, "requests", 300, "GPU pod creates (and as many CPU ones) and label edits per measurement")
	flag.IntVar(&o.workers, "workers", 8, "parallel node writers while growing the fleet")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, o, zap.New(zap.UseDevMode(true)))
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-scale:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, log logr.Logger) error {
	cp, err := harness.Start(harness.Options{Log: log})
	if err != nil {
		return err
	}
	defer func() { _ = cp.Stop() }()
	chart, err := harness.RenderChart("mig.strategy=mixed")
	if err != nil {
		return err
	}
	if err := cp.Install(ctx, chart); err != nil {
		return err
	}
	policy, err := cp.PolicyFrom(chart, "policy.yaml")
	if err != nil {
		return err
	}
	if err := cp.CreateRuntimeClass(ctx, config.DefaultRuntimeClassName); err != nil {
		return err
	}
	facts, err := kindFacts("mixed")
	if err != nil {
		return err
	}
	var phases []phase
	have := 0
	for _, size := range []int{o.small, o.large} {
		start := time.Now()
		if err := grow(ctx, cp, facts, have, size, o.workers); err != nil {
			return err
		}
		log.Info("fleet ready", "nodes", size, "took", time.Since(start).Round(time.Millisecond))
		have = size
		p, err := measure(ctx, cp, policy, size, o.requests, log)
		if err != nil {
			return err
		}
		phases = append(phases, p)
	}
	report(os.Stdout, o, phases)
	return nil
}

// measure starts a webhook server on the fleet as it is (timing its informer
// sync), measures, and stops it again.
func measure(ctx context.Context, cp *harness.ControlPlane, policy string, nodes, n int, log logr.Logger) (phase, error) {
	p := phase{nodes: nodes}
	// Registering rewrites the chart's webhook configurations in place, so
	// each server gets a fresh rendering.
	chart, err := harness.RenderChart("mig.strategy=mixed")
	if err != nil {
		return p, err
	}
	start := time.Now()
	w, err := cp.StartWebhook(ctx, server.Config{PolicyFile: policy, Log: logr.Discard()}, chart, harness.WebhookOptions{Register: true})
	if err != nil {
		return p, err
	}
	p.sync = time.Since(start)
	defer func() { _ = w.Stop(ctx) }()
	// Warm up: connections, the API server's webhook client, caches.
	if _, err := podCreates(ctx, cp.Clientset, 20); err != nil {
		return p, err
	}
	if p.pods, err = podCreates(ctx, cp.Clientset, n); err != nil {
		return p, err
	}
	if p.node, err = labelEdits(ctx, cp.Clientset, "scale-0", n); err != nil {
		return p, err
	}
	if p.rss, p.heap, err = memory(); err != nil {
		return p, err
	}
	log.Info("measured", "nodes", nodes, "sync", p.sync.Round(time.Millisecond), "rssMiB", int(p.rss))
	return p, nil
}
