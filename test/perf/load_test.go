package perf

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDriveCallsEveryIndexOnce(t *testing.T) {
	var mu sync.Mutex
	seen := map[int]int{}
	s, err := Drive(context.Background(), 100, 4, func(_ context.Context, worker, i int) error {
		assert.Less(t, worker, 4)
		mu.Lock()
		defer mu.Unlock()
		seen[i]++
		return nil
	})
	require.NoError(t, err)
	assert.Len(t, s.Latencies, 100)
	require.Len(t, seen, 100)
	for i := range 100 {
		assert.Equal(t, 1, seen[i], i)
	}
}

func TestDriveReturnsAWorkersError(t *testing.T) {
	boom := errors.New("boom")
	_, err := Drive(context.Background(), 10, 2, func(_ context.Context, _, i int) error {
		if i == 3 {
			return boom
		}
		return nil
	})
	assert.ErrorIs(t, err, boom)
}
