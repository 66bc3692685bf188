package config

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWatcherReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.yaml")
	write := func(s string) { require.NoError(t, os.WriteFile(path, []byte(s), 0o600)) }
	write("migStrategy: single\n")

	var mu sync.Mutex
	var reports []error
	w, err := NewWatcher(path, WithOnReload(func(_ *Policy, err error) {
		mu.Lock()
		defer mu.Unlock()
		reports = append(reports, err)
	}))
	require.NoError(t, err)
	assert.Equal(t, MIGStrategySingle, w.Current().MIGStrategy)

	assert.False(t, w.Reload(), "unchanged file")

	write("migStrategy: mixed\n")
	assert.True(t, w.Reload())
	assert.Equal(t, MIGStrategyMixed, w.Current().MIGStrategy)
	require.NoError(t, w.LastError())

	write("migStrategy: banana\n")
	assert.False(t, w.Reload())
	assert.Equal(t, MIGStrategyMixed, w.Current().MIGStrategy, "a bad update keeps the last good policy")
	require.ErrorIs(t, w.LastError(), ErrInvalidPolicy)
	assert.False(t, w.Reload(), "the same bad content is reported once")

	require.NoError(t, os.Remove(path))
	assert.False(t, w.Reload())
	require.ErrorIs(t, w.LastError(), os.ErrNotExist)

	write("migStrategy: mixed\n")
	assert.False(t, w.Reload(), "content equal to the policy in force")
	require.NoError(t, w.LastError(), "the earlier rejection no longer applies")

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, reports, 3)
	assert.NoError(t, reports[0])
	assert.ErrorIs(t, reports[1], ErrInvalidPolicy)
	assert.ErrorIs(t, reports[2], os.ErrNotExist)
}

func TestWatcherRefusesBadStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.yaml")
	require.NoError(t, os.WriteFile(path, []byte("migStrategy: [\n"), 0o600))
	_, err := NewWatcher(path)
	assert.ErrorIs(t, err, ErrInvalidPolicy)
}

func TestWatcherStartPolls(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.yaml")
	require.NoError(t, os.WriteFile(path, []byte("migStrategy: none\n"), 0o600))
	w, err := NewWatcher(path, WithInterval(10*time.Millisecond))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- w.Start(ctx) }()
	require.NoError(t, os.WriteFile(path, []byte("migStrategy: mixed\n"), 0o600))
	require.Eventually(t, func() bool { return w.Current().MIGStrategy == MIGStrategyMixed }, time.Minute, 10*time.Millisecond) // a hang guard, not a speed bound
	cancel()
	require.NoError(t, <-done)
}
