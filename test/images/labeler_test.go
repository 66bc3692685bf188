//go:build images

package images

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gpuguard/gpuguard/webhooks/facts"
)

// TestLabelerSimulate runs the labeler image on a simulated DGX H100, as the
// chart's restricted user without network, and compares its labels with
// those of the very binary that went into the image, run on this machine.
func TestLabelerSimulate(t *testing.T) {
	ctx := context.Background()
	name := image(ctx, t, "LABELER_IMAGE")
	flags := []string{"--simulate", "dgxh100", "--oneshot", "--output-file=-"}
	args := append([]string{"run", "--rm", "--network", "none"}, restricted()...)
	r := run(ctx, "podman", append(append(args, name), flags...)...)
	require.NoError(t, r.err, "stderr: %s", r.stderr)
	t.Logf("podman run %s %s:\n%s", name, strings.Join(flags, " "), r.stdout)

	host := run(ctx, filepath.Join(env(t, "IMAGES_BIN"), "gpuguard-labeler"), flags...)
	require.NoError(t, host.err, "stderr: %s", host.stderr)
	assert.Equal(t, host.stdout, r.stdout, "the image labels as its binary does outside it")
	assert.Contains(t, r.stdout, facts.LabelGPUPresent+"=true\n")
	assert.Contains(t, r.stdout, "nvidia.com/gpu.product=NVIDIA-H100-80GB-HBM3\n")
	assert.Contains(t, r.stdout, "nvidia.com/gpu.count=8\n")
}

// fakeNVML is a libnvidia-ml.so.1 whose init fails with an error string of
// its own. It links the glibc libraries the real driver library links
// (build/images/nvml-deps.txt), so it loads only if the image has them.
const fakeNVML = `
int nvmlInit_v2(void) { return 999; }
int nvmlInit(void) { return 999; }
int nvmlInitWithFlags(unsigned int flags) { return 999; }
int nvmlShutdown(void) { return 0; }
const char *nvmlErrorString(int r) { return "fake NVML of the image test"; }
`

// TestLabelerLoadsNVML mounts a driver library into the labeler image where
// the NVIDIA container runtime puts it. Without it the node has no NVML and
// the labeler exits cleanly; with it, the image's glibc must load it (and
// its dependencies), and its init failure must stop the labeler
// (--fail-on-init-error), naming the library's own error.
func TestLabelerLoadsNVML(t *testing.T) {
	ctx := context.Background()
	name := image(ctx, t, "LABELER_IMAGE")
	dir := t.TempDir()
	src := filepath.Join(dir, "nvml.c")
	lib := filepath.Join(dir, "libnvidia-ml.so.1")
	require.NoError(t, os.WriteFile(src, []byte(fakeNVML), 0o644))
	ccArgs := []string{"-shared", "-fPIC", "-o", lib, src, "-Wl,--no-as-needed"}
	for _, dep := range nvmlDeps(t) {
		ccArgs = append(ccArgs, "-l:"+dep)
	}
	out, err := exec.CommandContext(ctx, "gcc", ccArgs...).CombinedOutput()
	require.NoError(t, err, "building the fake NVML: %s", out)

	base := append([]string{"run", "--rm", "--network", "none"}, restricted()...)
	flags := []string{"--oneshot", "--output-file=-"}

	without := run(ctx, "podman", slices.Concat(base, []string{name}, flags)...)
	require.NoError(t, without.err, "without NVML the labeler must not fail; stderr: %s", without.stderr)
	assert.NotContains(t, without.stdout, facts.LabelGPUPresent+"=true")

	mount := []string{"-v", lib + ":/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1:ro", name}
	with := run(ctx, "podman", slices.Concat(base, mount, flags)...)
	t.Logf("with a mounted libnvidia-ml.so.1: %v\n%s", with.err, tail(with.stderr, 5))
	require.Error(t, with.err, "an NVML that fails to initialise must stop the labeler")
	assert.Contains(t, with.stderr, "fake NVML of the image test", "the labeler must have loaded the mounted library")
}
