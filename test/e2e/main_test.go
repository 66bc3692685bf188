// Package e2e runs gpuguard against a real etcd + kube-apiserver: the whole
// local stack (harness.StartStack), started once for the package in TestMain.
package e2e

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/gpuguard/gpuguard/test/harness"
)

var (
	stack *harness.Stack
	cp    *harness.ControlPlane
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	// Short-lived certificates: the serving certificate rotates every 4 s and
	// the CA every 20 s while every test of this package runs.
	opts := harness.StackOptions{Webhook: harness.WebhookOptions{
		Validity: 6 * time.Second, CAValidity: 30 * time.Second, CertInterval: 200 * time.Millisecond,
	}}
	if stack, err = harness.StartStack(context.Background(), opts); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cp = stack.ControlPlane
	defer func() {
		if err := stack.Stop(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}()
	return m.Run()
}
