// Package daemonset decides admission of GPU component DaemonSets:
// DaemonSets labelled gpuguard.io/component get the deploy-label node
// affinity, GPU tolerations and, where the component needs it, the runtime
// class in their pod template; unknown components and MIG strategy env
// values that disagree with the policy are refused.
package daemonset

import (
	"context"
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/affinity"
	"github.com/gpuguard/gpuguard/webhooks/inject"
	"github.com/gpuguard/gpuguard/webhooks/suggest"
	"github.com/gpuguard/gpuguard/webhooks/verdict"
)

// LabelComponent marks a GPU component DaemonSet.
const LabelComponent = "gpuguard.io/component"

// migStrategyEnv are the env variables the device plugin and GFD read.
var migStrategyEnv = []string{"MIG_STRATEGY", "GFD_MIG_STRATEGY"}

// Env is what decisions consult besides the object and the policy.
type Env struct {
	// RuntimeClassExists answers from a cache of RuntimeClasses.
	RuntimeClassExists inject.RuntimeClassExists
	// EnabledNodes counts nodes with nvidia.com/gpu.deploy.<component>=true.
	EnabledNodes func(component string) int
}

// Mutate injects the component's scheduling into the pod template. The
// result depends only on the manifest and the policy, so re-applying the
// same manifest stores the same template and starts no rollout.
func Mutate(ctx context.Context, ds *appsv1.DaemonSet, pol *config.Policy, env Env) (verdict.Verdict, error) {
	var v verdict.Verdict
	c, ok := pol.Component(ds.Labels[LabelComponent])
	if !ok {
		return v, nil // validation refuses it
	}
	s := inject.Spec{
		TaintKeys: pol.GPUTaints,
		Clauses:   []affinity.Clause{affinity.Require("nvidia.com/gpu.deploy."+c.Name, corev1.NodeSelectorOpIn, "true")},
	}
	if rc := pol.RuntimeClass(); c.RuntimeClass && rc != "" && ds.Spec.Template.Spec.RuntimeClassName == nil {
		var why string
		if s.RuntimeClass, why = inject.RuntimeClass(ctx, env.RuntimeClassExists, rc); why != "" {
			v.Warn(fmt.Sprintf("RuntimeClass %q %s, so gpuguard did not set it on component %s", rc, why, c.Name))
		}
	}
	ops, err := inject.Patch(&ds.Spec.Template.Spec, "/spec/template/spec", s)
	v.Patch = ops
	return v, err
}

// Validate refuses unknown components and MIG strategy env values that
// disagree with the policy, and warns when no node enables the component.
func Validate(ds *appsv1.DaemonSet, pol *config.Policy, env Env) verdict.Verdict {
	var v verdict.Verdict
	name, labelled := ds.Labels[LabelComponent]
	if !labelled {
		// The label was removed (the webhook sees an UPDATE because the old
		// object matched its selector): the DaemonSet stops being a GPU
		// component, which is allowed.
		v.Warn(fmt.Sprintf("DaemonSet %s is no longer a gpuguard component (label %s removed); "+
			"the node affinity and tolerations injected earlier stay in its pod template until you edit them",
			ds.Name, LabelComponent))
		return v
	}
	path := field.NewPath("metadata", "labels").Key(LabelComponent)
	if name == "" {
		v.Add(config.RuleComponents, field.Invalid(path, name,
			"empty component; name one of "+strings.Join(pol.ComponentNames(), ", ")+", or remove the label"))
		return v
	}
	if _, ok := pol.Component(name); !ok {
		msg := fmt.Sprintf("unknown GPU component %q", name)
		if best, ok := suggest.Typo(name, pol.ComponentNames()); ok {
			msg += "; did you mean " + best + "?"
		} else {
			msg += "; known components: " + strings.Join(pol.ComponentNames(), ", ")
		}
		v.Add(config.RuleComponents, field.Invalid(path, name, msg))
		return v
	}
	spec := field.NewPath("spec", "template", "spec")
	for _, group := range []struct {
		path *field.Path
		cs   []corev1.Container
	}{{spec.Child("initContainers"), ds.Spec.Template.Spec.InitContainers}, {spec.Child("containers"), ds.Spec.Template.Spec.Containers}} {
		for i, c := range group.cs {
			for j, e := range c.Env {
				if want := pol.EffectiveMIGStrategy(); slices.Contains(migStrategyEnv, e.Name) && e.Value != string(want) {
					v.Add(config.RuleComponents, field.Invalid(group.path.Index(i).Child("env").Index(j).Child("value"), e.Value, fmt.Sprintf(
						"%s must be this cluster's MIG strategy %q (%s): the device plugin, GFD and the labeler must agree", e.Name, want, pol.MIGStrategySource())))
				}
			}
		}
	}
	if env.EnabledNodes(name) == 0 {
		v.Warn(fmt.Sprintf("no node currently has nvidia.com/gpu.deploy.%s=true, so this DaemonSet will run nowhere until one does", name))
	}
	return v
}
