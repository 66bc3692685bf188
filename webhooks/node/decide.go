package node

import (
	"context"
	"errors"
	"fmt"

	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/admit"
)

// ErrUnexpectedRequest is a request this webhook is not registered for.
var ErrUnexpectedRequest = errors.New("unexpected admission request")

// Reporter surfaces facts admitted as reported that disagree with the
// policy (an Event on the Node and a metric, in the server).
type Reporter interface {
	Disagreement(ctx context.Context, d Disagreement)
}

// Decide returns the node webhook's decision function. migConfigs returns
// the MIG manager's configs, or nil when the policy names none; report may
// be nil.
func Decide(migConfigs func(ctx context.Context, p *config.Policy) (MIGConfigs, error), report Reporter) admit.DecideFunc {
	return func(ctx context.Context, req admission.Request, p *config.Policy) (admit.Verdict, error) {
		if req.Kind.Kind != "Node" || req.Kind.Group != "" {
			return admit.Verdict{}, fmt.Errorf("%w: kind %s, want Node", ErrUnexpectedRequest, req.Kind)
		}
		r := &Request{
			Username: req.UserInfo.Username, Groups: req.UserInfo.Groups, Name: req.Name, Policy: p,
		}
		r.Extra = map[string][]string{}
		for k, v := range req.UserInfo.Extra {
			r.Extra[k] = v
		}
		var err error
		switch req.Operation {
		case admissionv1.Create:
			r.Create = true
		case admissionv1.Update:
			if r.Old, err = decodeMeta(req.OldObject.Raw); err != nil {
				return admit.Verdict{}, fmt.Errorf("decoding the old Node: %w", err)
			}
		default:
			return admit.Verdict{}, fmt.Errorf("%w: operation %s", ErrUnexpectedRequest, req.Operation)
		}
		if r.New, err = decodeMeta(req.Object.Raw); err != nil {
			return admit.Verdict{}, fmt.Errorf("decoding the Node: %w", err)
		}
		var loadErr error
		if r.MIGConfigs, loadErr = migConfigs(ctx, p); loadErr != nil {
			r.MIGConfigs = nil
		}
		res := Check(r)
		if loadErr != nil {
			// Without the file, named configs go unchecked: warn, never block
			// every mig.config edit on an unreadable ConfigMap.
			res.Warn(fmt.Sprintf("the MIG manager's config file could not be read, so named MIG configs are not checked: %v", loadErr))
		}
		if report != nil && (req.DryRun == nil || !*req.DryRun) {
			for _, d := range res.Disagreements {
				report.Disagreement(ctx, d)
			}
		}
		return res.Verdict, nil
	}
}
