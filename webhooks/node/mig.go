package node

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/facts"
	"github.com/gpuguard/gpuguard/webhooks/verdict"
)

func validateMIGConfig(r *Request, v *verdict.Verdict) {
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
		v.Add(config.RuleMIGConfig, field.Invalid(path, name, fmt.Sprintf(
			"node %s has no MIG-capable GPU (%s=false); the only MIG config that applies is all-disabled", r.Name, facts.LabelMIGCapable)))
		return
	case capable == "":
		v.Warn(fmt.Sprintf("node %s has no GPU facts yet (%s is not set): %s=%s cannot be checked against its GPUs", r.Name, facts.LabelMIGCapable, labelMIGConfig, name))
	}
	var (
		l  layout
		ok bool
	)
	if r.MIGConfigs != nil {
		// The MIG manager applies only names of its file: the file decides,
		// even for names gpuguard would understand on its own.
		c, found := r.MIGConfigs.Lookup(name)
		if !found {
			v.Add(config.RuleMIGConfig, field.NotFound(path, fmt.Sprintf("%s (MIG configs in %s: %s)", name, r.MIGConfigs.Source(), strings.Join(r.MIGConfigs.Names(), ", "))))
			return
		}
		if l, ok = nodeLayout(r, name, c, v); !ok {
			return
		}
	} else if l, ok = builtinLayout(name); !ok {
		v.Warn(fmt.Sprintf("%s=%s is not checked: gpuguard knows all-disabled, all-enabled and all-<profile>; point the policy's migConfig at the MIG manager's config file to check other names", labelMIGConfig, name))
		return
	}
	if ann, ok := r.New.Annotations[facts.AnnotationMIGProfiles]; ok {
		supported := strings.Split(ann, ",")
		for _, p := range l.profiles {
			if !slices.Contains(supported, p) {
				v.Add(config.RuleMIGConfig, field.Invalid(path, name, fmt.Sprintf(
					"MIG profile %s is not supported by the GPUs of node %s (they support %s)", p, r.Name, ann)))
			}
		}
	}
	if r.Policy.EffectiveMIGStrategy() != config.MIGStrategySingle {
		return
	}
	if len(l.profiles) > 1 {
		v.Add(config.RuleMIGConfig, field.Invalid(path, name, fmt.Sprintf(
			"MIG strategy single needs one MIG profile per node, and %s has %d (%s); use mixed, or a config of one profile",
			name, len(l.profiles), strings.Join(l.profiles, ", "))))
	}
	if l.migOn && l.migOff {
		v.Add(config.RuleMIGConfig, field.Invalid(path, name, fmt.Sprintf(
			"MIG strategy single cannot mix MIG-enabled and MIG-disabled GPUs on a node, and %s does", name)))
	}
}

// nodeLayout resolves a config of the MIG manager's file for the node's own
// GPUs (its gpuguard.io/pci-device-ids annotation). A node that has not
// said which GPUs it has is checked against the entries for every GPU only,
// with a warning. It reports false when the config does nothing on the node.
func nodeLayout(r *Request, name string, c MIGConfig, v *verdict.Verdict) (layout, bool) {
	ids := parseDeviceIDs(r.New.Annotations[facts.AnnotationPCIDeviceIDs])
	if len(ids) == 0 {
		if all := c.unfiltered(); len(all) < len(c) {
			v.Warn(fmt.Sprintf("node %s does not say which GPUs it has yet (no %s annotation; the gpuguard labeler publishes it), so the per-GPU entries (device-filter) of MIG config %s are not checked",
				r.Name, facts.AnnotationPCIDeviceIDs, name))
			return fileLayout(all), true
		}
		return fileLayout(c), true
	}
	res := resolve(c, ids)
	if len(res.entries) == 0 {
		v.Add(config.RuleMIGConfig, field.Invalid(labelsPath.Key(labelMIGConfig), name, fmt.Sprintf(
			"MIG config %s in %s has no entry for the GPUs of node %s (PCI device IDs %s), so the MIG manager would leave them unchanged; its entries are for %s",
			name, r.MIGConfigs.Source(), r.Name, strings.Join(ids, ", "), strings.Join(c.filteredIDs(), ", "))))
		return layout{}, false
	}
	if len(res.untouched) > 0 {
		v.Warn(fmt.Sprintf("MIG config %s has no entry for the GPUs of node %s with PCI device IDs %s: the MIG manager leaves those GPUs as they are",
			name, r.Name, strings.Join(res.untouched, ", ")))
	}
	if res.subsystem {
		v.Warn(fmt.Sprintf("MIG config %s selects GPUs by PCI subsystem ID too, which gpuguard does not see: node %s was matched by device ID alone", name, r.Name))
	}
	return fileLayout(res.entries), true
}
