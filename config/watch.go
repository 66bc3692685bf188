package config

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/util/wait"
)

// DefaultReloadInterval is how often a Watcher re-reads its file. Polling the
// content, rather than watching inotify events, is deliberate: a ConfigMap
// volume updates by swapping a symlink to a new directory, which a watch on
// the file itself never sees.
const DefaultReloadInterval = 2 * time.Second

// Watcher keeps the last good policy of a file and reloads it on change. A
// bad update keeps the last good policy in force and is reported through the
// logger, OnReload and LastError until the file is fixed.
type Watcher struct {
	path     string
	interval time.Duration
	log      logr.Logger
	onReload func(p *Policy, err error)

	mu      sync.RWMutex
	current *Policy
	lastErr error
	raw     []byte
}

// WatcherOption configures a Watcher.
type WatcherOption func(*Watcher)

// WithInterval sets the reload interval (default DefaultReloadInterval).
func WithInterval(d time.Duration) WatcherOption { return func(w *Watcher) { w.interval = d } }

// WithLogger sets the logger (default: discard).
func WithLogger(l logr.Logger) WatcherOption { return func(w *Watcher) { w.log = l } }

// WithOnReload is called after every reload attempt that saw new content,
// with the policy now in force and the error of a rejected update, if any.
func WithOnReload(f func(p *Policy, err error)) WatcherOption {
	return func(w *Watcher) { w.onReload = f }
}

// NewWatcher loads path once and fails if that first policy is bad: a
// webhook must not start on a policy nobody checked.
func NewWatcher(path string, opts ...WatcherOption) (*Watcher, error) {
	w := &Watcher{path: path, interval: DefaultReloadInterval, log: logr.Discard()}
	for _, o := range opts {
		o(w)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading policy file: %w", err)
	}
	p, err := Parse(path, raw)
	if err != nil {
		return nil, err
	}
	w.current, w.raw = p, raw
	return w, nil
}

// Current returns the policy in force. Callers must not modify it.
func (w *Watcher) Current() *Policy {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.current
}

// LastError returns why the newest file content was rejected, nil when the
// policy in force is the file's current content.
func (w *Watcher) LastError() error {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.lastErr
}

// Start polls the file until ctx is done. It implements manager.Runnable.
func (w *Watcher) Start(ctx context.Context) error {
	wait.NonSlidingUntilWithContext(ctx, func(context.Context) { w.Reload() }, w.interval)
	return nil
}

// Reload reads the file once and, when its content changed, swaps in the new
// policy if it is valid. It reports whether the policy in force changed.
func (w *Watcher) Reload() bool {
	raw, err := os.ReadFile(w.path)
	if err != nil {
		w.reject(fmt.Errorf("reading policy file: %w", err))
		return false
	}
	w.mu.Lock()
	same := bytes.Equal(raw, w.raw)
	if same {
		// The file is back to the content in force: any earlier rejection
		// no longer describes it.
		w.lastErr = nil
	}
	w.mu.Unlock()
	if same {
		return false
	}
	p, err := Parse(w.path, raw)
	if err != nil {
		w.reject(err)
		return false
	}
	w.mu.Lock()
	w.current, w.raw, w.lastErr = p, raw, nil
	w.mu.Unlock()
	w.log.Info("policy reloaded", "path", w.path, "migStrategy", p.MIGStrategy)
	if w.onReload != nil {
		w.onReload(p, nil)
	}
	return true
}

func (w *Watcher) reject(err error) {
	w.mu.Lock()
	changed := w.lastErr == nil || w.lastErr.Error() != err.Error()
	w.lastErr = err
	cur := w.current
	w.mu.Unlock()
	// Log each distinct failure once, not every poll.
	if changed {
		w.log.Error(err, "policy update rejected; keeping the last good policy", "path", w.path)
		if w.onReload != nil {
			w.onReload(cur, err)
		}
	}
}
