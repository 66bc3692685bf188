package server

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	nodev1 "k8s.io/api/node/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

type ctxKey struct{}

// The lookup runs in the request's context, tells a missing RuntimeClass
// from a failed lookup, and names the failure.
func TestRuntimeClassExists(t *testing.T) {
	scheme := runtime.NewScheme()
	require.NoError(t, clientgoscheme.AddToScheme(scheme))
	var sawCtx bool
	c := fake.NewClientBuilder().WithScheme(scheme).
		WithObjects(&nodev1.RuntimeClass{ObjectMeta: metav1.ObjectMeta{Name: "nvidia"}, Handler: "nvidia"}).
		WithInterceptorFuncs(interceptor.Funcs{Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			sawCtx = sawCtx || ctx.Value(ctxKey{}) != nil
			if key.Name == "broken" {
				return assert.AnError
			}
			return c.Get(ctx, key, obj, opts...)
		}}).Build()
	exists := runtimeClassExists(c)
	ctx := context.WithValue(context.Background(), ctxKey{}, true)

	ok, err := exists(ctx, "nvidia")
	require.NoError(t, err)
	assert.True(t, ok)
	assert.True(t, sawCtx, "the request's context reaches the lookup")

	ok, err = exists(ctx, "kata")
	require.NoError(t, err, "not found is an answer, not an error")
	assert.False(t, ok)

	_, err = exists(ctx, "broken")
	require.ErrorIs(t, err, assert.AnError)
	assert.Contains(t, err.Error(), "looking up RuntimeClass broken")
}
