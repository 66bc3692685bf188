package e2e

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/test/harness"
)

// The API server itself, not a fake, validates objects: an invalid label
// value is refused before any webhook runs.
func TestAPIServerValidatesObjects(t *testing.T) {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{
		Name:   "invalid-label-node",
		Labels: map[string]string{"example.com/x": "not a valid value!"},
	}}
	err := cp.Client.Create(context.Background(), node)
	require.Error(t, err)
	assert.True(t, apierrors.IsInvalid(err), "got %v", err)
	assert.Contains(t, err.Error(), "metadata.labels")
}

// The node webhook is registered from the rendered chart and its
// matchConditions let only GPU label edits through.
func TestNodeWebhookMatchConditions(t *testing.T) {
	ctx := context.Background()
	calls := func() int {
		return webhookRequests(t, config.PathValidateNodes)
	}
	before := calls()
	patch := func(labels string) {
		body := []byte(`{"metadata":{"labels":` + labels + `}}`)
		require.NoError(t, cp.Client.Patch(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "cpu-0"}},
			rawPatch(types.MergePatchType, body)))
	}
	patch(`{"team":"a"}`)
	assert.Equal(t, before, calls(), "an unrelated label must not reach the webhook")
	patch(`{"nvidia.com/gpu.deploy.dcgm-exporter":"false"}`)
	assert.Equal(t, before+1, calls(), "a GPU label edit reaches the webhook")
	patch(`{"nvidia.com/gpu.deploy.dcgm-exporter":null}`)
	assert.Equal(t, before+2, calls(), "removing a GPU label reaches the webhook")
}

func webhookRequests(t *testing.T, path string) int {
	t.Helper()
	n, err := harness.WebhookRequests(path)
	require.NoError(t, err)
	return n
}
