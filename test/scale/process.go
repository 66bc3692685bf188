package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// webhookProc is one gpuguard-webhook process.
type webhookProc struct {
	env  *webhookEnv
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

// start runs the binary with the flags an install passes it (file
// certificates, loopback metrics) and returns once /readyz answers 200,
// which it does only after the Node informer has synced: the time from
// exec to ready is returned.
func (e *webhookEnv) start(ctx context.Context, name string) (*webhookProc, time.Duration, error) {
	p := &webhookProc{env: e, log: filepath.Join(e.dir, name+".log"), done: make(chan struct{})}
	f, err := os.Create(p.log)
	if err != nil {
		return nil, 0, fmt.Errorf("creating the webhook's log: %w", err)
	}
	p.cmd = exec.Command(e.bin,
		"--kubeconfig="+e.kubeconfig,
		"--policy-file="+e.policy,
		"--host=127.0.0.1", "--port="+strconv.Itoa(e.port),
		"--cert-mode=file", "--cert-dir="+e.certDir,
		fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", e.metrics),
		fmt.Sprintf("--health-probe-bind-address=127.0.0.1:%d", e.health),
		// Nothing drains between phases: no request is in flight.
		"--drain-delay=-1s", "--shutdown-timeout=5s")
	p.cmd.Stdout, p.cmd.Stderr = f, f
	p.cmd.SysProcAttr = childAttrs()
	begin := time.Now()
	if err := p.cmd.Start(); err != nil {
		_ = f.Close()
		return nil, 0, fmt.Errorf("starting %s: %w", e.bin, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		_ = f.Close()
		close(p.done)
	}()
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
		select {
		case <-p.done:
			return fmt.Errorf("gpuguard-webhook exited (%w); see %s:\n%s", p.err, p.log, tail(p.log))
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := c.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("gpuguard-webhook not ready after %s; see %s:\n%s", p.env.startTimeout, p.log, tail(p.log))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop sends SIGTERM and, after stopTimeout, SIGKILL.
func (p *webhookProc) stop() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stopping gpuguard-webhook: %w", err)
	}
	select {
	case <-p.done:
	case <-time.After(p.env.stopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	return nil
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return strings.Join(lines, "\n")
}
