package chart

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/gpuguard/gpuguard/test/harness"
)

// appVersion reads the chart's appVersion, which `make image` uses as tag.
func appVersion(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "config", "helm", "gpuguard", "Chart.yaml"))
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^appVersion:\s*"?([^"\s]+)"?\s*$`).FindSubmatch(b)
	require.NotNil(t, m, "Chart.yaml has no appVersion")
	return string(m[1])
}

func images(t *testing.T, set ...string) (webhook, labeler corev1.Container) {
	t.Helper()
	r := render(t, set...)
	deps, dss := harness.OfType[*appsv1.Deployment](r), harness.OfType[*appsv1.DaemonSet](r)
	require.Len(t, deps, 1)
	require.Len(t, dss, 1)
	return deps[0].Spec.Template.Spec.Containers[0], dss[0].Spec.Template.Spec.Containers[0]
}

func TestImages(t *testing.T) {
	v := appVersion(t)
	for name, tc := range map[string]struct {
		set              []string
		webhook, labeler string
	}{
		"defaults are make image's tags": {
			webhook: "gpuguard/webhook:" + v, labeler: "gpuguard/labeler:" + v,
		},
		"registry prefixes both": {
			set:     []string{"image.registry=registry.example.com/team/"},
			webhook: "registry.example.com/team/gpuguard/webhook:" + v, labeler: "registry.example.com/team/gpuguard/labeler:" + v,
		},
		"tags and repositories override": {
			set:     []string{"image.webhook.repository=example/wh", "image.webhook.tag=dev", "image.labeler.tag=1.2.3"},
			webhook: "example/wh:dev", labeler: "gpuguard/labeler:1.2.3",
		},
	} {
		t.Run(name, func(t *testing.T) {
			wh, lb := images(t, tc.set...)
			assert.Equal(t, tc.webhook, wh.Image)
			assert.Equal(t, tc.labeler, lb.Image)
			assert.Equal(t, corev1.PullIfNotPresent, wh.ImagePullPolicy)
			assert.Equal(t, corev1.PullIfNotPresent, lb.ImagePullPolicy)
		})
	}
}
