package harness

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-logr/logr"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/server"
)

// Stack is the whole local system of SPEC §8: control plane, webhook server
// and simulated fleet.
type Stack struct {
	*ControlPlane
	Webhook *Webhook
	Fleet   []FakeNode
}

// StackOptions configure StartStack. Zero values mean the SPEC §8 defaults.
type StackOptions struct {
	// Dir receives the kubeconfig. Default: a new temporary directory.
	Dir string
	// PolicyFile is the webhook's policy. Default: built-in defaults with
	// strategy mixed, written into Dir.
	PolicyFile string
	// Fleet is the simulated nodes. Default: DefaultFleet().
	Fleet []FakeNode
	Log   logr.Logger
}

// StartStack starts everything and returns once the webhook serves and every
// node exists. On error, whatever was started is stopped again.
func StartStack(ctx context.Context, opts StackOptions) (_ *Stack, err error) {
	if opts.Fleet == nil {
		opts.Fleet = DefaultFleet()
	}
	if opts.Log.GetSink() == nil {
		opts.Log = logr.Discard()
	}
	cp, err := Start(Options{Dir: opts.Dir, Log: opts.Log})
	if err != nil {
		return nil, err
	}
	s := &Stack{ControlPlane: cp, Fleet: opts.Fleet}
	defer func() {
		if err != nil {
			err = errors.Join(err, s.Stop(context.WithoutCancel(ctx)))
		}
	}()
	if opts.PolicyFile == "" {
		if opts.PolicyFile, err = cp.WritePolicy("migStrategy: mixed\n"); err != nil {
			return nil, err
		}
	}
	opts.Log.Info("starting the webhook server")
	if s.Webhook, err = cp.StartWebhook(ctx, server.Config{PolicyFile: opts.PolicyFile, Log: opts.Log.WithName("webhook")}); err != nil {
		return nil, err
	}
	if err := cp.CreateRuntimeClass(ctx, config.DefaultRuntimeClassName); err != nil {
		return nil, err
	}
	opts.Log.Info("creating the simulated fleet", "nodes", len(opts.Fleet))
	if err := cp.CreateNodes(ctx, opts.Fleet); err != nil {
		return nil, err
	}
	return s, nil
}

// Stop stops, in reverse order, everything StartStack started.
func (s *Stack) Stop(ctx context.Context) error {
	var errs []error
	if s.Webhook != nil {
		errs = append(errs, s.Webhook.Stop(ctx))
	}
	errs = append(errs, s.ControlPlane.Stop())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("stopping the local stack: %w", err)
	}
	return nil
}
