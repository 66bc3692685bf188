//go:build images

package images

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// imageUser is the numeric non-root user of both images (Dockerfile USER)
// and of the chart's restricted securityContext.
const imageUser = "65532:65532"

// result is one finished podman (or other) command.
type result struct {
	stdout, stderr string
	err            error
}

func run(ctx context.Context, name string, args ...string) result {
	cmd := exec.CommandContext(ctx, name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return result{stdout: out.String(), stderr: errb.String(), err: err}
}

// podman runs podman and fails the test if it fails.
func podman(ctx context.Context, t *testing.T, args ...string) string {
	t.Helper()
	r := run(ctx, "podman", args...)
	require.NoError(t, r.err, "podman %s\nstderr: %s", strings.Join(args, " "), r.stderr)
	return r.stdout
}

// env returns a variable the Makefile sets, or fails.
func env(t *testing.T, name string) string {
	t.Helper()
	v := os.Getenv(name)
	require.NotEmpty(t, v, "%s is not set: run this through `make image-test`", name)
	return v
}

// image returns the name of a built image, failing with what to do if it
// does not exist.
func image(ctx context.Context, t *testing.T, variable string) string {
	t.Helper()
	name := env(t, variable)
	r := run(ctx, "podman", "image", "exists", name)
	require.NoError(t, r.err, "image %s not found: run `make image` first", name)
	return name
}

// imageConfig is the part of `podman image inspect` the tests check.
type imageConfig struct {
	Size   int64
	Config struct {
		User       string
		Entrypoint []string
		Cmd        []string
		Env        []string
	}
}

func inspect(ctx context.Context, t *testing.T, name string) imageConfig {
	t.Helper()
	var cfgs []imageConfig
	require.NoError(t, json.Unmarshal([]byte(podman(ctx, t, "image", "inspect", name)), &cfgs))
	require.Len(t, cfgs, 1)
	return cfgs[0]
}

// restricted are the podman run flags that match the chart's restricted
// securityContext: numeric non-root user, read-only root filesystem (no
// tmpfs added on /tmp or /run either), no capabilities, no privilege
// escalation.
func restricted() []string {
	return []string{
		"--user", imageUser, "--read-only", "--read-only-tmpfs=false",
		"--cap-drop", "ALL", "--security-opt", "no-new-privileges",
	}
}
