// Package app wires a labeler from its command-line configuration: the
// NVML reader (real or simulated), the output file, the Node writer, the
// event recorder and the loop. cmd/gpuguard-labeler and the test harness
// both run labelers through it.
package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	nvml "github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/record"

	"github.com/gpuguard/gpuguard/labeler"
	"github.com/gpuguard/gpuguard/labeler/device"
)

// ErrConfig marks a configuration a person must fix.
var ErrConfig = errors.New("invalid labeler configuration")

// Config is the labeler's configuration, one field per command-line flag.
type Config struct {
	NodeName string
	// MIGStrategy is auto (the GPU Operator's ClusterPolicy, followed live;
	// none without one or without cluster access), none, single or mixed.
	MIGStrategy      string
	SleepInterval    time.Duration
	Oneshot          bool
	OutputFile       string
	MachineTypeFile  string
	FailOnInitError  bool
	Timestamp        bool
	Simulate         string
	GracePeriod      time.Duration
	NoDeployDefaults bool
	// FactsFrom is auto (default), self or gfd (labeler.FactsFrom*).
	FactsFrom string
	// DeployComponents overrides the default deploy components (nil: defaults).
	DeployComponents []string
	// RESTConfig reaches the API server; nil with Oneshot and an output
	// file means no cluster access at all.
	RESTConfig *rest.Config
	// Reader, when set, replaces NVML and --simulate (tests).
	Reader   device.Reader
	Registry prometheus.Registerer
	// HealthAddr serves /healthz and /readyz (see Health); "" serves none.
	HealthAddr string
	Log        logr.Logger
}

// Validate reports every configuration problem at once.
func (c *Config) Validate() error {
	var errs []error
	switch c.MIGStrategy {
	case "auto", "none", "single", "mixed":
	default:
		errs = append(errs, fmt.Errorf("--mig-strategy %q: use auto (the GPU Operator's ClusterPolicy), none, single or mixed", c.MIGStrategy))
	}
	switch c.FactsFrom {
	case "", labeler.FactsFromAuto, labeler.FactsFromSelf, labeler.FactsFromGFD:
	default:
		errs = append(errs, fmt.Errorf("--facts-from %q: use auto (GFD's facts where nfd-master maintains them), self or gfd", c.FactsFrom))
	}
	if c.SleepInterval <= 0 {
		errs = append(errs, fmt.Errorf("--sleep-interval %s: must be positive, e.g. 60s", c.SleepInterval))
	}
	if c.RESTConfig != nil && c.NodeName == "" {
		errs = append(errs, errors.New("--node-name (or NODE_NAME) is required to label a node; for a dry run use --oneshot --output-file=-"))
	}
	if c.RESTConfig == nil && c.OutputFile == "" {
		errs = append(errs, errors.New("nothing to do: give --output-file, or cluster access to label the node"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return nil
}

// Run labels until ctx is done (or once, with Oneshot).
func Run(ctx context.Context, c Config) error {
	if c.Log.GetSink() == nil {
		c.Log = logr.Discard()
	}
	if err := c.Validate(); err != nil {
		return err
	}
	reader, err := c.reader()
	if err != nil {
		return err
	}
	loop := &labeler.Loop{
		Reader: reader,
		Options: labeler.Options{
			MachineType: machineType(c.MachineTypeFile, c.Simulate),
		},
		Interval:    c.SleepInterval,
		GracePeriod: c.GracePeriod,
		Metrics:     labeler.NewMetrics(c.Registry),
		Log:         c.Log,
	}
	if c.Timestamp {
		loop.Options.Timestamp = time.Now().Unix()
	}
	if c.NoDeployDefaults {
		loop.Options.DeployComponents = []string{}
	} else if c.DeployComponents != nil {
		loop.Options.DeployComponents = c.DeployComponents
	}
	if c.OutputFile != "" {
		loop.Output = outputFile(c.OutputFile)
	}
	if c.RESTConfig != nil {
		stop, err := c.wireCluster(loop)
		if err != nil {
			return err
		}
		defer stop()
	}
	if err := c.checkInit(reader); err != nil {
		return err
	}
	strategy, err := c.newStrategySource(ctx, loop.Recorder)
	if err != nil {
		return err
	}
	if c.Oneshot {
		loop.Options.MIGStrategy = strategy.Strategy()
		return loop.Cycle(ctx)
	}
	if c.HealthAddr != "" {
		h := &Health{Cycles: CyclesOf(loop.Metrics.CycleSeconds), Stale: 3*loop.Interval + 2*time.Minute}
		if err := h.Serve(ctx, c.HealthAddr, c.Log); err != nil {
			return err
		}
	}
	return runFollowing(ctx, loop, strategy)
}

func (c *Config) reader() (device.Reader, error) {
	switch {
	case c.Reader != nil:
		return c.Reader, nil
	case c.Simulate != "":
		sim, err := device.Simulate(c.Simulate)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
		return sim.Reader(), nil
	}
	return &device.NVML{Lib: nvml.New()}, nil
}

// checkInit fails fast, with --fail-on-init-error, when NVML is installed
// but broken. A node without the library is not an error: it is a node
// without GPUs, and the labeler must not crash-loop there.
func (c *Config) checkInit(r device.Reader) error {
	if !c.FailOnInitError {
		return nil
	}
	_, err := r.Read()
	if err == nil || errors.Is(err, device.ErrNoLibrary) {
		return nil
	}
	return fmt.Errorf("initialising NVML (set --fail-on-init-error=false to keep running and retry): %w", err)
}

func (c *Config) wireCluster(loop *labeler.Loop) (func(), error) {
	cs, err := kubernetes.NewForConfig(c.RESTConfig)
	if err != nil {
		return nil, fmt.Errorf("building API client: %w", err)
	}
	loop.Writer = &labeler.NodeWriter{Client: cs, NodeName: c.NodeName, FactsFrom: c.FactsFrom}
	b := record.NewBroadcaster()
	b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: cs.CoreV1().Events("")})
	loop.Recorder = b.NewRecorder(scheme.Scheme, corev1.EventSource{Component: labeler.FieldManager, Host: c.NodeName})
	return b.Shutdown, nil
}

// machineType reads the first line of the DMI product name file. A
// simulated node reports its simulated machine.
func machineType(path, simulate string) string {
	if simulate != "" {
		name, _, _ := strings.Cut(simulate, ",")
		return "DGX " + strings.ToUpper(strings.TrimPrefix(name, "dgx"))
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	return strings.TrimSpace(line)
}

// outputFile writes labels in GFD's feature-file format ("-": stdout). The
// file is replaced atomically so a reader never sees half of it.
func outputFile(path string) func(labeler.Labels) error {
	return func(l labeler.Labels) error {
		if path == "-" {
			_, err := fmt.Fprint(os.Stdout, l.String())
			return err
		}
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, []byte(l.String()), 0o644); err != nil {
			return err
		}
		return os.Rename(tmp, path)
	}
}
