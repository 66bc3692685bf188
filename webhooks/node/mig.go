package node

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/admit"
	"github.com/gpuguard/gpuguard/webhooks/facts"
)

func validateMIGStrategy(r *Request, v *admit.Verdict) {
	if !keyChanged(r.Old.Labels, r.New.Labels, facts.LabelMIGStrategy) {
		return
	}
	val, present := r.New.Labels[facts.LabelMIGStrategy]
	if !present {
		return // removal: a fact-label question, judged by validateFacts
	}
	path := labelsPath.Key(facts.LabelMIGStrategy)
	allowed := []string{string(config.MIGStrategySingle), string(config.MIGStrategyMixed)}
	switch {
	case slices.Contains(allowed, val):
		if val != string(r.Policy.MIGStrategy) {
			v.Add(admit.RuleMIGStrategyLabel, field.Invalid(path, val, fmt.Sprintf(
				"this cluster's MIG strategy is %q (gpuguard policy migStrategy); the device plugin, the labeler and the webhooks must agree on it",
				r.Policy.MIGStrategy)))
		}
	default:
		if want, ok := caseHint(val, allowed); ok {
			v.Add(admit.RuleMIGStrategyLabel, field.Invalid(path, val, fmt.Sprintf("values are case-sensitive: use %q, not %q", want, val)))
			return
		}
		v.Add(admit.RuleMIGStrategyLabel, field.NotSupported(path, val, allowed))
	}
}

func validateMIGConfig(r *Request, v *admit.Verdict) {
	if !keyChanged(r.Old.Labels, r.New.Labels, labelMIGConfig) {
		return
	}
	name := r.New.Labels[labelMIGConfig]
	if name == "" {
		return
	}
	path := labelsPath.Key(labelMIGConfig)
	capable := r.New.Labels[facts.LabelMIGCapable]
	switch {
	case capable == "false" && name != "all-disabled":
		v.Add(admit.RuleMIGConfig, field.Invalid(path, name, fmt.Sprintf(
			"node %s has no MIG-capable GPU (%s=false); the only MIG config that applies is all-disabled", r.Name, facts.LabelMIGCapable)))
		return
	case capable == "":
		v.Warn(fmt.Sprintf("node %s has no GPU facts yet (%s is not set): %s=%s cannot be checked against its GPUs", r.Name, facts.LabelMIGCapable, labelMIGConfig, name))
	}
	l, ok := builtinLayout(name)
	if !ok {
		if r.MIGConfigs == nil {
			v.Warn(fmt.Sprintf("%s=%s is not checked: gpuguard knows all-disabled, all-enabled and all-<profile>; point the policy's migConfig at the MIG manager's config file to check other names", labelMIGConfig, name))
			return
		}
		c, found := r.MIGConfigs.Lookup(name)
		if !found {
			v.Add(admit.RuleMIGConfig, field.NotFound(path, fmt.Sprintf("%s (MIG configs in %s: %s)", name, r.MIGConfigs.Source(), strings.Join(r.MIGConfigs.Names(), ", "))))
			return
		}
		l = fileLayout(c)
	}
	if ann, ok := r.New.Annotations[facts.AnnotationMIGProfiles]; ok {
		supported := strings.Split(ann, ",")
		for _, p := range l.profiles {
			if !slices.Contains(supported, p) {
				v.Add(admit.RuleMIGConfig, field.Invalid(path, name, fmt.Sprintf(
					"MIG profile %s is not supported by the GPUs of node %s (they support %s)", p, r.Name, ann)))
			}
		}
	}
	if r.Policy.MIGStrategy != config.MIGStrategySingle {
		return
	}
	if len(l.profiles) > 1 {
		v.Add(admit.RuleMIGConfig, field.Invalid(path, name, fmt.Sprintf(
			"MIG strategy single needs one MIG profile per node, and %s has %d (%s); use mixed, or a config of one profile",
			name, len(l.profiles), strings.Join(l.profiles, ", "))))
	}
	if l.migOn && l.migOff {
		v.Add(admit.RuleMIGConfig, field.Invalid(path, name, fmt.Sprintf(
			"MIG strategy single cannot mix MIG-enabled and MIG-disabled GPUs on a node, and %s does", name)))
	}
}
