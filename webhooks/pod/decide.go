package pod

import (
	"context"
	"errors"
	"fmt"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/admit"
	"github.com/gpuguard/gpuguard/webhooks/podview"
)

// ErrUnexpectedRequest is a request this webhook is not registered for.
var ErrUnexpectedRequest = errors.New("unexpected admission request")

func decode(req admission.Request) (*corev1.Pod, error) {
	if req.Kind.Kind != "Pod" || req.Kind.Group != "" || req.Operation != admissionv1.Create {
		return nil, fmt.Errorf("%w: %s %s, want CREATE Pod", ErrUnexpectedRequest, req.Operation, req.Kind)
	}
	// Only what the decisions read: annotations, and of the spec the
	// runtime class, affinity, tolerations and container resources.
	p, err := podview.Pod(req.Object.Raw)
	if err != nil {
		return nil, fmt.Errorf("decoding the Pod: %w", err)
	}
	return p, nil
}

// DecideMutate is the pod mutating webhook's decision.
func DecideMutate(env Env) admit.DecideFunc {
	return func(_ context.Context, req admission.Request, pol *config.Policy) (admit.Verdict, error) {
		p, err := decode(req)
		if err != nil {
			return admit.Verdict{}, err
		}
		return Mutate(p, pol, env)
	}
}

// DecideValidate is the pod validating webhook's decision.
func DecideValidate(env Env) admit.DecideFunc {
	return func(_ context.Context, req admission.Request, pol *config.Policy) (admit.Verdict, error) {
		p, err := decode(req)
		if err != nil {
			return admit.Verdict{}, err
		}
		return Validate(p, pol, env), nil
	}
}
