package harness

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// Process is a child process — a control-plane component, or a binary a
// benchmark measures — its output in <dir>/<name>.log.
type Process struct {
	name string
	cmd  *exec.Cmd
	log  string
	// done is closed once the process has exited, with err its exit status.
	done chan struct{}
	err  error
}

// startProcess runs bin with args, writing its output to dir/<name>.log.
func startProcess(dir, name, bin string, args ...string) (*Process, error) {
	return StartCommand(dir, name, exec.Command(bin, args...))
}

// StartCommand starts cmd (its Stdout and Stderr are set here), writing its
// output to dir/<name>.log.
func StartCommand(dir, name string, cmd *exec.Cmd) (*Process, error) {
	logPath := filepath.Join(dir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("creating the log of %s: %w", name, err)
	}
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("starting %s (%s): %w", name, cmd.Path, err)
	}
	p := &Process{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		_ = f.Close()
		close(p.done)
	}()
	return p, nil
}

// Pid is the process's ID.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Log is the path of its output.
func (p *Process) Log() string { return p.log }

// Exited reports the process's end, if it has ended, with its log's tail.
func (p *Process) Exited() error {
	select {
	case <-p.done:
		return fmt.Errorf("%s exited (%w); the end of %s:\n%s", p.name, p.err, p.log, p.Tail())
	default:
		return nil
	}
}

// Tail is the last lines of the process's log, for error messages.
func (p *Process) Tail() string {
	b, _ := os.ReadFile(p.log)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return strings.Join(lines, "\n")
}

// stop sends SIGTERM and, after 15 s, SIGKILL; it waits for the exit.
func (p *Process) stop() error { return p.Stop(15 * time.Second) }

// Stop sends SIGTERM and, after within, SIGKILL; it waits for the exit.
func (p *Process) Stop(within time.Duration) error {
	select {
	case <-p.done:
		return nil
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stopping %s: %w", p.name, err)
	}
	select {
	case <-p.done:
	case <-time.After(within):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	return nil
}

// waitHealthy polls https://127.0.0.1:<port>/healthz (served with a
// self-signed certificate; the path needs no credentials) until it answers
// 200, the process exits, or a minute passes.
func (p *Process) waitHealthy(ctx context.Context, port int) error {
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // loopback health probe of a self-signed server
	}}
	url := fmt.Sprintf("https://127.0.0.1:%d/healthz", port)
	var last string
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		if err := p.Exited(); err != nil {
			return false, err
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := c.Do(req)
		if err != nil {
			last = err.Error()
			return false, nil //nolint:nilerr // not serving yet: keep polling
		}
		_ = resp.Body.Close()
		last = resp.Status
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		return fmt.Errorf("%s never became healthy at %s (last: %s; log %s): %w", p.name, url, last, p.log, err)
	}
	return nil
}
