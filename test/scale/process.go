package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"strconv"
	"time"

	"github.com/gpuguard/gpuguard/test/harness"
)

// webhookProc is one gpuguard-webhook process.
type webhookProc struct {
	*harness.Process
	env *webhookEnv
}

// start runs the binary with the flags an install passes it (file
// certificates, loopback metrics) and returns once /readyz answers 200,
// which it does only after the Node informer has synced: the time from
// exec to ready is returned.
func (e *webhookEnv) start(ctx context.Context, name string) (*webhookProc, time.Duration, error) {
	cmd := exec.Command(e.bin,
		"--kubeconfig="+e.kubeconfig,
		"--policy-file="+e.policy,
		"--host=127.0.0.1", "--port="+strconv.Itoa(e.port),
		"--cert-mode=file", "--cert-dir="+e.certDir,
		fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", e.metrics),
		fmt.Sprintf("--health-probe-bind-address=127.0.0.1:%d", e.health),
		// Nothing drains between phases: no request is in flight.
		"--drain-delay=-1s", "--shutdown-timeout=5s")
	cmd.SysProcAttr = childAttrs()
	begin := time.Now()
	proc, err := harness.StartCommand(e.dir, name, cmd)
	if err != nil {
		return nil, 0, err
	}
	p := &webhookProc{Process: proc, env: e}
	if err := p.waitReady(ctx); err != nil {
		return nil, 0, errors.Join(err, p.stop())
	}
	return p, time.Since(begin), nil
}

func (p *webhookProc) waitReady(ctx context.Context) error {
	c := &http.Client{Timeout: 2 * time.Second}
	url := fmt.Sprintf("http://127.0.0.1:%d/readyz", p.env.health)
	deadline := time.Now().Add(p.env.startTimeout)
	for {
		if err := p.Exited(); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := c.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("gpuguard-webhook not ready after %s; see %s:\n%s", p.env.startTimeout, p.Log(), p.Tail())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop sends SIGTERM and, after stopTimeout, SIGKILL.
func (p *webhookProc) stop() error { return p.Stop(p.env.stopTimeout) }
