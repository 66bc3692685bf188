//go:build images

package images

import (
	"bufio"
	"context"
	"debug/elf"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// libDirs are where the labeler image's glibc looks for libraries without an
// ld.so.cache (Debian's system search path).
var libDirs = []string{"lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu", "lib", "usr/lib"}

// TestImageContents lists every file of each image and checks that it is the
// entrypoint binary or a library that binary (or NVML, for the labeler)
// loads: no shell, no package manager, no /etc. It also checks the image
// configuration: numeric non-root user, the binary as entrypoint.
func TestImageContents(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		variable, binary string
		extraNeeded      []string
	}{
		{variable: "WEBHOOK_IMAGE", binary: "gpuguard-webhook"},
		{variable: "LABELER_IMAGE", binary: "gpuguard-labeler", extraNeeded: nvmlDeps(t)},
	} {
		t.Run(tc.variable, func(t *testing.T) {
			name := image(ctx, t, tc.variable)
			cfg := inspect(ctx, t, name)
			assert.Equal(t, imageUser, cfg.Config.User, "images run as a numeric non-root user")
			assert.Equal(t, []string{"/" + tc.binary}, cfg.Config.Entrypoint)
			assert.Empty(t, cfg.Config.Cmd)

			root := strings.TrimSpace(podman(ctx, t, "image", "mount", name))
			t.Cleanup(func() { _ = run(context.Background(), "podman", "image", "unmount", name) })
			files := listFiles(t, root)
			t.Logf("%s (%d bytes): %s", name, cfg.Size, strings.Join(files, " "))

			want := needed(t, root, tc.binary, tc.extraNeeded)
			assert.Equal(t, want, files, "the image must hold its binary and the libraries it loads, nothing else")
		})
	}
}

// listFiles returns every non-directory path under root, sorted, and checks
// that each is owned by root and not writable by the image's user.
func listFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		assert.True(t, info.Mode().IsRegular(), "%s is a %s, not a regular file", rel, info.Mode().Type())
		assert.Zero(t, info.Mode().Perm()&0o022, "%s is writable by group or others", rel)
		assert.Zero(t, info.Mode()&(fs.ModeSetuid|fs.ModeSetgid), "%s is setuid or setgid", rel)
		files = append(files, rel)
		return nil
	}))
	sort.Strings(files)
	return files
}

// needed returns the files the binary needs to start, as paths relative to
// root: the binary, its ELF interpreter and the transitive DT_NEEDED
// libraries of it and of extra (libraries loaded with dlopen), each resolved
// in root's library directories. A static binary needs only itself.
func needed(t *testing.T, root, binary string, extra []string) []string {
	t.Helper()
	bin, err := elf.Open(filepath.Join(root, binary))
	require.NoError(t, err)
	defer bin.Close()
	want := map[string]bool{binary: true}
	loaded := map[string]bool{}
	for _, p := range bin.Progs {
		if p.Type != elf.PT_INTERP {
			continue
		}
		b := make([]byte, p.Filesz)
		_, err := p.ReadAt(b, 0)
		require.NoError(t, err)
		interp := strings.TrimRight(string(b), "\x00")
		want[strings.TrimPrefix(interp, "/")] = true
		loaded[path.Base(interp)] = true // the interpreter satisfies its own soname
	}
	queue, err := bin.ImportedLibraries()
	require.NoError(t, err)
	queue = append(queue, extra...)
	for len(queue) > 0 {
		lib := queue[0]
		queue = queue[1:]
		if loaded[lib] {
			continue
		}
		loaded[lib] = true
		rel := resolve(t, root, lib)
		want[rel] = true
		f, err := elf.Open(filepath.Join(root, rel))
		require.NoError(t, err, "%s in the image", rel)
		more, err := f.ImportedLibraries()
		require.NoError(t, err)
		require.NoError(t, f.Close())
		queue = append(queue, more...)
	}
	out := make([]string, 0, len(want))
	for p := range want {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func resolve(t *testing.T, root, lib string) string {
	t.Helper()
	for _, d := range libDirs {
		rel := path.Join(d, lib)
		if _, err := os.Stat(filepath.Join(root, rel)); err == nil {
			return rel
		}
	}
	require.Failf(t, "library missing from the image", "%s is needed but not in %v", lib, libDirs)
	return ""
}

// nvmlDeps reads the glibc libraries NVML links against, the list
// build/images/rootfs.sh installs.
func nvmlDeps(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "build", "images", "nvml-deps.txt"))
	require.NoError(t, err)
	defer f.Close()
	var libs []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		if l := strings.TrimSpace(s.Text()); l != "" && !strings.HasPrefix(l, "#") {
			libs = append(libs, l)
		}
	}
	require.NoError(t, s.Err())
	require.NotEmpty(t, libs)
	return libs
}
