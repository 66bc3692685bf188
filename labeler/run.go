package labeler

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/record"

	"github.com/gpuguard/gpuguard/labeler/device"
)

// Event reasons the labeler raises on its Node.
const (
	ReasonNVMLError          = "NVMLError"
	ReasonMIGStrategyInvalid = "MIGStrategyInvalid"
)

// Loop reads the GPUs, labels and writes, every Interval. Zero values of
// optional fields mean the documented defaults.
type Loop struct {
	Reader  device.Reader
	Options Options
	// Writer keeps the Node; nil labels nothing (output file only).
	Writer *NodeWriter
	// Recorder raises Events on the Node; nil raises none.
	Recorder record.EventRecorder
	// Output, when set, receives the fact labels of each cycle.
	Output func(Labels) error
	// Interval between cycles. Default 60s.
	Interval time.Duration
	// GracePeriod keeps the last good facts while NVML fails. Default 5m.
	GracePeriod time.Duration
	Metrics     *Metrics
	Log         logr.Logger

	lastGood   *Facts
	lastGoodAt time.Time
	now        func() time.Time
}

func (l *Loop) defaults() {
	if l.Interval == 0 {
		l.Interval = 60 * time.Second
	}
	if l.GracePeriod == 0 {
		l.GracePeriod = 5 * time.Minute
	}
	if l.Metrics == nil {
		l.Metrics = NewMetrics(nil)
	}
	if l.Log.GetSink() == nil {
		l.Log = logr.Discard()
	}
	if l.now == nil {
		l.now = time.Now
	}
	if l.Writer != nil {
		if l.Writer.Metrics == nil {
			l.Writer.Metrics = l.Metrics
		}
		if l.Writer.Log.GetSink() == nil {
			l.Writer.Log = l.Log
		}
	}
}

// Run cycles until ctx is done. Errors of a cycle are logged, counted and
// retried; Run itself returns only ctx's end.
func (l *Loop) Run(ctx context.Context) error {
	l.defaults()
	wait.NonSlidingUntilWithContext(ctx, l.cycleWithRetry, l.Interval)
	return nil
}

// cycleWithRetry retries a failed write with exponential backoff (1s
// doubling, capped at the interval) so a restarting API server is caught up
// with as soon as it is back.
func (l *Loop) cycleWithRetry(ctx context.Context) {
	backoff := wait.Backoff{Duration: time.Second, Factor: 2, Steps: 1 << 30, Cap: l.Interval}
	_ = wait.ExponentialBackoffWithContext(ctx, backoff, func(ctx context.Context) (bool, error) {
		if err := l.Cycle(ctx); err != nil {
			l.Log.Error(err, "labelling cycle failed; retrying")
			return false, nil
		}
		return true, nil
	})
}

// Cycle runs one read-label-write pass.
func (l *Loop) Cycle(ctx context.Context) error {
	l.defaults()
	start := l.now()
	defer func() { l.Metrics.CycleSeconds.Observe(time.Since(start).Seconds()) }()

	f, err := l.facts(ctx)
	if err != nil {
		l.Metrics.Errors.WithLabelValues("labels").Inc()
		return err
	}
	if l.Output != nil {
		if err := l.Output(f.Labels); err != nil {
			return fmt.Errorf("writing output file: %w", err)
		}
	}
	if l.Writer == nil {
		return nil
	}
	wrote, err := l.Writer.Apply(ctx, f)
	if err != nil {
		l.Metrics.Errors.WithLabelValues("write").Inc()
		return err
	}
	if wrote {
		l.Metrics.Writes.Inc()
		l.Log.Info("node labels updated", "node", l.Writer.NodeName, "labels", len(f.Labels))
	}
	return nil
}

// facts reads NVML and computes the facts, falling back on the last good
// facts for the grace period when NVML fails.
func (l *Loop) facts(ctx context.Context) (*Facts, error) {
	if err := l.seed(ctx); err != nil {
		return nil, err
	}
	snap, err := l.Reader.Read()
	if errors.Is(err, device.ErrNoLibrary) && !l.hadGPUs() {
		// Not a GPU node (or no driver yet): no facts, no alarm.
		snap, err = nil, nil
	}
	if err != nil {
		// A library that vanishes from a GPU node (a driver container
		// restarting) is a failure like any other, with the same grace.
		l.Metrics.Errors.WithLabelValues("nvml").Inc()
		l.event(corev1.EventTypeWarning, ReasonNVMLError, "reading GPUs through NVML failed: %v", err)
		if l.lastGood != nil && l.now().Sub(l.lastGoodAt) < l.GracePeriod {
			l.Log.Error(err, "NVML failed; keeping the last good facts", "since", l.lastGoodAt)
			return l.lastGood, nil
		}
		l.Log.Error(err, "NVML failed past the grace period; removing GPU facts (deploy labels stay)")
		return &Facts{}, nil
	}
	f, err := Compute(snap, l.Options)
	if err != nil {
		return nil, err
	}
	l.Log.V(1).Info("facts computed", "labels", len(f.Labels), "annotations", f.Annotations, "deployDefaults", len(f.Deploy))
	for _, k := range f.Dropped {
		l.Log.Info("label dropped: its value cannot be made a valid label value", "label", k)
	}
	if f.SingleInvalid != "" {
		l.Metrics.SingleInvalid.Set(1)
		l.Log.Info("node is invalid for MIG strategy single", "reason", f.SingleInvalid)
		l.event(corev1.EventTypeWarning, ReasonMIGStrategyInvalid, "node cannot be described under MIG strategy single: %s", f.SingleInvalid)
	} else {
		l.Metrics.SingleInvalid.Set(0)
	}
	l.lastGood, l.lastGoodAt = f, l.now()
	return f, nil
}

// seed starts a labeler that has no facts of its own yet from the facts it
// owns on its Node, so that a restarted labeler whose first NVML reads fail
// keeps them for the grace period instead of removing them at once.
func (l *Loop) seed(ctx context.Context) error {
	if l.lastGood != nil || l.Writer == nil {
		return nil
	}
	f, err := l.Writer.Owned(ctx)
	if err != nil {
		return err
	}
	l.lastGood, l.lastGoodAt = f, l.now()
	return nil
}

func (l *Loop) hadGPUs() bool { return l.lastGood != nil && len(l.lastGood.Labels) > 0 }

func (l *Loop) event(kind, reason, format string, args ...any) {
	if l.Recorder == nil || l.Writer == nil {
		return
	}
	// Kubelet's convention: a Node's events refer to it with UID = name.
	ref := &corev1.ObjectReference{Kind: "Node", Name: l.Writer.NodeName, UID: types.UID(l.Writer.NodeName)}
	l.Recorder.Eventf(ref, kind, reason, format, args...)
}
