package node

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gpuguard/gpuguard/webhooks/admit"
	"github.com/gpuguard/gpuguard/webhooks/facts"
)

// validateFacts keeps discovered facts to their discoverers: the labeler on
// its own node, and the GPU Operator's components.
func validateFacts(r *Request, v *admit.Verdict) {
	if r.isOperator() {
		return
	}
	type key struct {
		name string
		path *field.Path
	}
	var keys []key
	for _, k := range sorted(changed(r.Old.Labels, r.New.Labels, facts.LabelPrefix)) {
		if isFact(k) {
			keys = append(keys, key{k, labelsPath.Key(k)})
		}
	}
	for _, k := range sorted(changed(r.Old.Annotations, r.New.Annotations, facts.AnnotationPrefix)) {
		if isFact(k) {
			keys = append(keys, key{k, annotationsPath.Key(k)})
		}
	}
	if len(keys) == 0 {
		return
	}
	if r.isLabeler() {
		if node := r.labelerNode(); node != r.Name {
			if node == "" {
				v.Add(admit.RuleFactLabels, field.Forbidden(labelsPath, fmt.Sprintf(
					"the gpuguard labeler's token names no node (%s); run it with a bound service account token so it can label its own node", NodeNameExtra)))
				return
			}
			v.Add(admit.RuleFactLabels, field.Forbidden(labelsPath, fmt.Sprintf(
				"the gpuguard labeler on node %s may label only that node, not %s", node, r.Name)))
		}
		return
	}
	for _, k := range keys {
		if r.isOwnKubelet() && k.name == facts.LabelGPUPresent {
			continue // provisioning config of a registering node
		}
		v.Add(admit.RuleFactLabels, field.Forbidden(k.path, fmt.Sprintf(
			"%s is discovered from the hardware by the gpuguard labeler and cannot be edited (only the policy's identities.labeler and identities.operator may write it)", k.name)))
	}
}
