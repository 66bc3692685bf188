package pod

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/config/vocab"
	"github.com/gpuguard/gpuguard/webhooks/affinity"
	"github.com/gpuguard/gpuguard/webhooks/gpures"
	"github.com/gpuguard/gpuguard/webhooks/inject"
	"github.com/gpuguard/gpuguard/webhooks/verdict"
)

// Env is what decisions consult besides the object and the policy.
type Env struct {
	// RuntimeClassExists answers from a cache of RuntimeClasses.
	RuntimeClassExists inject.RuntimeClassExists
	// Offers lists what the cluster's GPU nodes offer (facts index).
	Offers func() []Offer
}

// Mutate returns the patch that gives a GPU pod its GPU scheduling. Pods
// that request no GPU, opt out with gpuguard.io/inject: "false", or carry
// malformed annotations (validation refuses those) are left alone.
func Mutate(ctx context.Context, p *corev1.Pod, pol *config.Policy, env Env) (verdict.Verdict, error) {
	var v verdict.Verdict
	if len(gpures.Requested(&p.Spec, pol.GPUResources)) == 0 || p.Annotations[AnnotationInject] == "false" {
		return v, nil
	}
	var buf [8]requirement
	want, errs := parseWant(buf[:0], p.Annotations)
	if len(errs) > 0 {
		return v, nil
	}
	clauses := make([]affinity.Clause, 1, 1+len(want))
	clauses[0] = affinity.Require(vocab.LabelGPUPresent, corev1.NodeSelectorOpIn, "true")
	s := inject.Spec{TaintKeys: pol.GPUTaints, Clauses: want.appendClauses(clauses)}
	if rc := pol.RuntimeClass(); rc != "" && p.Spec.RuntimeClassName == nil {
		var why string
		if s.RuntimeClass, why = inject.RuntimeClass(ctx, env.RuntimeClassExists, rc); why != "" {
			v.Warn(fmt.Sprintf("RuntimeClass %q %s, so gpuguard did not set it on this GPU pod; install the GPU Operator's runtime class or set the policy's runtimeClassName", rc, why))
		}
	}
	ops, err := inject.Patch(&p.Spec, "/spec", s)
	if err != nil {
		return v, err
	}
	v.Patch = ops
	return v, nil
}
