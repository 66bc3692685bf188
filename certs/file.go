package certs

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/util/wait"
)

// FileSource serves tls.crt and tls.key from a directory (a mounted Secret
// that cert-manager keeps), re-reading them every Interval. Polling content
// rather than watching inotify events survives the symlink swap a Secret
// volume update is. Missing or broken files keep the last good certificate.
type FileSource struct {
	holder
	Dir string
	// Interval between reads. Default 2s.
	Interval time.Duration
	Log      logr.Logger

	lastCert, lastKey []byte
}

var _ Source = (*FileSource)(nil)

// NewFileSource reads dir once; a missing certificate is not an error yet
// (readiness stays false until it appears).
func NewFileSource(dir string, log logr.Logger) *FileSource {
	s := &FileSource{Dir: dir, Interval: 2 * time.Second, Log: log}
	s.reload()
	return s
}

// Start implements Source.
func (s *FileSource) Start(ctx context.Context) error {
	wait.NonSlidingUntilWithContext(ctx, func(context.Context) { s.reload() }, s.Interval)
	return nil
}

func (s *FileSource) reload() {
	cert, err1 := os.ReadFile(filepath.Join(s.Dir, "tls.crt"))
	key, err2 := os.ReadFile(filepath.Join(s.Dir, "tls.key"))
	if err1 != nil || err2 != nil {
		return // not there yet; Ready says so
	}
	if bytes.Equal(cert, s.lastCert) && bytes.Equal(key, s.lastKey) {
		return
	}
	if err := s.set(cert, key); err != nil {
		// A half-written pair (certificate updated, key not yet) is retried
		// at the next read; the previous certificate stays in service.
		s.Log.Error(err, "serving certificate not loaded; keeping the previous one", "dir", s.Dir)
		return
	}
	s.lastCert, s.lastKey = cert, key
	s.Log.Info("serving certificate loaded", "dir", s.Dir, "serial", s.Serial())
}
