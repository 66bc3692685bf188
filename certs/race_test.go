package certs

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// A replica that loses the race to create or update the Secret retries and
// adopts the winner's content; one that loses every time gives up with a
// message saying so.
func TestConvergeRetriesLostRaces(t *testing.T) {
	secrets := schema.GroupResource{Resource: "secrets"}
	tests := map[string]struct {
		losses  int // writes answered with a lost race before one succeeds
		wantErr string
	}{
		"no race":          {losses: 0},
		"two lost races":   {losses: 2},
		"loses every time": {losses: 100, wantErr: "secret gpuguard/gpuguard-webhook-tls kept changing under us; giving up until the next check"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := clientWithWebhooks().(*fake.Clientset)
			lost, writes := 0, 0
			c.PrependReactor("create", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
				writes++
				if lost < tc.losses {
					lost++
					return true, nil, apierrors.NewAlreadyExists(secrets, "gpuguard-webhook-tls")
				}
				return false, nil, nil
			})
			now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
			sec, _, err := source(c, &now).converge(context.Background())
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				assert.True(t, apierrors.IsAlreadyExists(err), "the API server's answer is kept: %v", err)
				assert.Equal(t, 10, writes, "ten tries")
				return
			}
			require.NoError(t, err)
			assert.NotEmpty(t, sec.Data[keyCert])
			assert.Equal(t, tc.losses+1, writes)
		})
	}
}
