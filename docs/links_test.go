package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mdLink matches the target of a Markdown link: [text](target).
var mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// The README and docs stand alone: every relative link names a file of the
// repository, and nothing points above the repository's root: a clone has
// nothing there.
func TestLinksStayInTheRepository(t *testing.T) {
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	pages, err := filepath.Glob("*.md")
	require.NoError(t, err)
	pages = append(pages, filepath.Join(root, "README.md"))
	require.Greater(t, len(pages), 1)
	for _, page := range pages {
		data, err := os.ReadFile(page)
		require.NoError(t, err)
		dir, err := filepath.Abs(filepath.Dir(page))
		require.NoError(t, err)
		for _, m := range mdLink.FindAllStringSubmatch(string(data), -1) {
			target := m[1]
			if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") || strings.HasPrefix(target, "#") {
				continue
			}
			file, _, _ := strings.Cut(target, "#")
			abs := filepath.Join(dir, file)
			rel, err := filepath.Rel(root, abs)
			require.NoError(t, err)
			if !assert.False(t, strings.HasPrefix(rel, ".."), "%s links outside the repository: %s", page, target) {
				continue
			}
			_, err = os.Stat(abs)
			assert.NoError(t, err, "%s links to a missing file: %s", page, target)
		}
	}
}
