// Package inject computes the minimal JSON patch that makes a Pod spec (of a
// Pod, or of a DaemonSet's template) carry GPU scheduling: the runtime
// class, required node affinity and GPU taint tolerations. It touches only
// the paths that change, so a second pass patches nothing.
package inject

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/gpuguard/gpuguard/webhooks/affinity"
	"github.com/gpuguard/gpuguard/webhooks/verdict"
)

// Spec is what to inject.
type Spec struct {
	// RuntimeClass is set when the spec names none; "" injects nothing.
	RuntimeClass string
	// TaintKeys each get an Exists/NoSchedule toleration unless tolerated.
	TaintKeys []string
	// Clauses are AND-ed into the required node affinity.
	Clauses []affinity.Clause
}

// Patch returns the operations that make spec (found at JSON pointer base,
// e.g. "/spec") carry s.
func Patch(spec *corev1.PodSpec, base string, s Spec) ([]verdict.PatchOp, error) {
	var ops []verdict.PatchOp
	if s.RuntimeClass != "" && spec.RuntimeClassName == nil {
		ops = append(ops, verdict.PatchOp{Op: "add", Path: base + "/runtimeClassName", Value: s.RuntimeClass})
	}
	affOps, err := affinityPatch(spec.Affinity, base, s.Clauses)
	if err != nil {
		return nil, err
	}
	ops = append(ops, affOps...)
	return append(ops, tolerationPatch(spec.Tolerations, base, s.TaintKeys)...), nil
}

func affinityPatch(aff *corev1.Affinity, base string, clauses []affinity.Clause) ([]verdict.PatchOp, error) {
	if len(clauses) == 0 {
		return nil, nil
	}
	sel, changed, err := affinity.Merge(aff, clauses)
	if err != nil || !changed {
		return nil, err
	}
	path := base + "/affinity"
	switch {
	case aff == nil:
		return []verdict.PatchOp{{Op: "add", Path: path, Value: corev1.Affinity{
			NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: sel}}}}, nil
	case aff.NodeAffinity == nil:
		return []verdict.PatchOp{{Op: "add", Path: path + "/nodeAffinity", Value: corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: sel}}}, nil
	case aff.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil:
		return []verdict.PatchOp{{Op: "add", Path: path + "/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution", Value: sel}}, nil
	}
	return []verdict.PatchOp{{Op: "replace", Path: path + "/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms",
		Value: sel.NodeSelectorTerms}}, nil
}

func tolerationPatch(existing []corev1.Toleration, base string, keys []string) []verdict.PatchOp {
	var missing []corev1.Toleration
	for _, k := range keys {
		if !tolerated(existing, k) {
			missing = append(missing, corev1.Toleration{Key: k, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule})
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if len(existing) == 0 {
		return []verdict.PatchOp{{Op: "add", Path: base + "/tolerations", Value: missing}}
	}
	ops := make([]verdict.PatchOp, len(missing))
	for i, t := range missing {
		ops[i] = verdict.PatchOp{Op: "add", Path: base + "/tolerations/-", Value: t}
	}
	return ops
}

// tolerated reports whether a NoSchedule taint with key k (any value) is
// tolerated: by an Exists toleration of that key, or of every key.
func tolerated(ts []corev1.Toleration, k string) bool {
	for _, t := range ts {
		if t.Effect != "" && t.Effect != corev1.TaintEffectNoSchedule {
			continue
		}
		if t.Operator == corev1.TolerationOpExists && (t.Key == "" || t.Key == k) {
			return true
		}
	}
	return false
}
