package node

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gpuguard/gpuguard/webhooks/admit"
	"github.com/gpuguard/gpuguard/webhooks/facts"
	"github.com/gpuguard/gpuguard/webhooks/suggest"
)

const (
	pausedForMIGChange     = "paused-for-mig-change"
	pausedForDriverUpgrade = "paused-for-driver-upgrade"
)

// migPausable are the components the MIG manager pauses (SPEC §1.2).
var migPausable = []string{"device-plugin", "gpu-feature-discovery", "dcgm", "dcgm-exporter", "nvsm", "client"}

// plainValues are the values anyone may write on a component's deploy label.
func plainValues(component string) []string {
	if component == "driver" {
		return []string{"true", "false", "pre-installed"}
	}
	return []string{"true", "false"}
}

// pausedValues are the values only the operator's components may write.
func pausedValues(component string) []string {
	if component == "operands" {
		return nil
	}
	var out []string
	if slices.Contains(migPausable, component) {
		out = append(out, pausedForMIGChange)
	}
	out = append(out, pausedForDriverUpgrade)
	for _, prev := range plainValues(component) {
		out = append(out, prev+"_"+pausedForDriverUpgrade)
	}
	return out
}

func validateDeploy(r *Request, v *admit.Verdict) {
	names := r.Policy.ComponentNames()
	for _, key := range sorted(changed(r.Old.Labels, r.New.Labels, facts.LabelDeployPrefix)) {
		val, present := r.New.Labels[key]
		if !present || val == "" {
			continue // removing (or emptying) a deploy label is always allowed
		}
		path := labelsPath.Key(key)
		component := strings.TrimPrefix(key, facts.LabelDeployPrefix)
		if !slices.Contains(names, component) {
			v.Add(admit.RuleDeployLabels, field.Invalid(path, val, unknownComponent(component, key, names)))
			continue
		}
		plain, paused := plainValues(component), pausedValues(component)
		switch {
		case slices.Contains(plain, val):
		case slices.Contains(paused, val):
			if !r.isOperator() {
				v.Add(admit.RuleDeployLabels, field.Forbidden(path, fmt.Sprintf(
					"%q is written by the GPU Operator's components while they pause %s (policy identities.operator: %s); set \"true\" or \"false\"",
					val, component, r.Policy.Identities.Operator)))
			}
		default:
			allowed := append(slices.Clone(plain), paused...)
			if want, ok := caseHint(val, allowed); ok {
				v.Add(admit.RuleDeployLabels, field.Invalid(path, val,
					fmt.Sprintf("values are case-sensitive: use %q, not %q", want, val)))
				continue
			}
			v.Add(admit.RuleDeployLabels, field.NotSupported(path, val, plain))
		}
	}
}

// unknownComponent says a component is unknown, and which one was meant:
// the closest known name when it is a plausible typo, else the whole list.
func unknownComponent(component, key string, names []string) string {
	msg := fmt.Sprintf("unknown GPU component %q in %s", component, key)
	if best, ok := suggest.Typo(component, names); ok {
		return msg + fmt.Sprintf("; did you mean %s?", best)
	}
	return msg + "; known components: " + strings.Join(names, ", ")
}
