// Package e2e runs gpuguard against a real etcd + kube-apiserver (one control
// plane for the whole package, started in TestMain).
package e2e

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/gpuguard/gpuguard/test/harness"
	"github.com/gpuguard/gpuguard/webhooks/server"
)

var (
	cp      *harness.ControlPlane
	webhook *harness.Webhook
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	var err error
	if cp, err = harness.Start(harness.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		if err := cp.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}()
	if webhook, err = cp.StartWebhook(ctx, server.Config{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		if err := webhook.Stop(ctx); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}()
	if err := cp.CreateNodes(ctx, harness.DefaultFleet()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}
