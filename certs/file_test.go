package certs

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-logr/logr"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writePair(t *testing.T, dir string, now time.Time) *keyPair {
	t.Helper()
	ca, err := newCA("test-ca", now, time.Hour)
	require.NoError(t, err)
	leaf, err := newServing(ca, []string{"localhost"}, nil, now, time.Hour)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tls.crt"), leaf.certPEM, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tls.key"), leaf.keyPEM, 0o600))
	return leaf
}

func TestFileSource(t *testing.T) {
	dir := t.TempDir()
	s := NewFileSource(dir, logr.Discard())
	require.ErrorIs(t, s.Ready(), ErrNoCertificate, "not ready until cert-manager has written the Secret")

	first := writePair(t, dir, time.Now())
	s.Interval = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = s.Start(ctx) }()
	require.Eventually(t, func() bool { return s.Ready() == nil }, time.Minute, 10*time.Millisecond) // a hang guard, not a speed bound
	assert.Equal(t, first.cert.SerialNumber.String(), s.Serial())

	// A renewal is picked up; a broken pair keeps the last good one.
	second := writePair(t, dir, time.Now())
	require.Eventually(t, func() bool { return s.Serial() == second.cert.SerialNumber.String() }, time.Minute, 10*time.Millisecond) // a hang guard, not a speed bound
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tls.key"), []byte("half written"), 0o600))
	time.Sleep(50 * time.Millisecond)
	assert.Equal(t, second.cert.SerialNumber.String(), s.Serial())
	assert.NoError(t, s.Ready())
}
