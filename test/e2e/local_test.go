package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLocalStackLifecycle runs `gpuguard-local` as `make run` does, checks
// that kubectl sees the simulated fleet, then interrupts it and checks that
// every process it started is gone.
func TestLocalStackLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a second control plane")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "gpuguard-local")
	build := exec.Command("go", "build", "-o", bin, "github.com/gpuguard/gpuguard/cmd/gpuguard-local")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	dir := filepath.Join(tmp, "state")
	var stdout syncBuffer
	cmd := exec.Command(bin, "--dir", dir)
	cmd.Stdout = &stdout
	cmd.Stderr = &stdout
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	require.Eventually(t, func() bool {
		_, err := os.Stat(filepath.Join(dir, "ready"))
		return err == nil
	}, 2*time.Minute, 100*time.Millisecond, "never became ready:\n%s", &stdout)
	assert.Contains(t, stdout.String(), "export KUBECONFIG="+filepath.Join(dir, "kubeconfig"))

	nodes, err := exec.Command(cp.Kubectl, "--kubeconfig", filepath.Join(dir, "kubeconfig"),
		"get", "nodes", "-o", "name").CombinedOutput()
	require.NoError(t, err, "%s", nodes)
	assert.Equal(t, "node/cpu-0\nnode/gpu-a100-0\nnode/gpu-h100-0\n", string(nodes))

	children := descendants(t, cmd.Process.Pid)
	require.NotEmpty(t, children, "etcd and kube-apiserver run as child processes")

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-exited:
		require.NoError(t, err, "exit status; output:\n%s", &stdout)
	case <-time.After(time.Minute):
		t.Fatalf("did not stop within a minute of SIGTERM:\n%s", &stdout)
	}
	for _, pid := range children {
		_, err := os.Stat("/proc/" + strconv.Itoa(pid))
		assert.True(t, os.IsNotExist(err), "process %d outlived gpuguard-local", pid)
	}
	_, err = os.Stat(filepath.Join(dir, "ready"))
	assert.True(t, os.IsNotExist(err), "the ready marker is removed on stop")
}

// descendants lists every process below pid, read from /proc.
func descendants(t *testing.T, pid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	parent := map[int]int{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// Fields after the parenthesised command name: state, ppid, ...
		rest := string(stat[bytes.LastIndexByte(stat, ')')+2:])
		fields := strings.Fields(rest)
		if ppid, err := strconv.Atoi(fields[1]); err == nil {
			parent[p] = ppid
		}
	}
	var out []int
	for p := range parent {
		for q := parent[p]; q > 1; q = parent[q] {
			if q == pid {
				out = append(out, p)
				break
			}
		}
	}
	return out
}
