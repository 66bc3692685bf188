package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gpuguard/gpuguard/config/vocab"
)

// deployLabelPrefix is the part of a deploy label key before the component
// name; the whole name part of a label key is limited to 63 characters.
const deployLabelPrefix = "gpu.deploy."

// Validate returns every problem of a defaulted policy, each with its field
// path, so that one run of the webhook shows an operator all of them.
func (p *Policy) Validate() field.ErrorList {
	var errs field.ErrorList
	if p.APIVersion != APIVersion {
		errs = append(errs, field.NotSupported(field.NewPath("apiVersion"), p.APIVersion, []string{APIVersion}))
	}
	if p.Kind != Kind {
		errs = append(errs, field.NotSupported(field.NewPath("kind"), p.Kind, []string{Kind}))
	}
	if !sets.New(PolicyMIGStrategies...).Has(p.MIGStrategy) {
		errs = append(errs, field.NotSupported(field.NewPath("migStrategy"), p.MIGStrategy, PolicyMIGStrategies))
	}
	if rc := p.RuntimeClass(); rc != "" {
		for _, msg := range validation.IsDNS1123Subdomain(rc) {
			errs = append(errs, field.Invalid(field.NewPath("runtimeClassName"), rc, msg))
		}
	}
	errs = append(errs, validateNames(field.NewPath("gpuResources"), p.GPUResources, true)...)
	errs = append(errs, validateNames(field.NewPath("gpuTaints"), p.GPUTaints, false)...)
	errs = append(errs, validateComponents(field.NewPath("components"), p.Components)...)
	errs = append(errs, validateSubjects(field.NewPath("identities", "labeler"), p.Identities.Labeler)...)
	errs = append(errs, validateSubjects(field.NewPath("identities", "operator"), p.Identities.Operator)...)
	errs = append(errs, validateWriters(field.NewPath("identities", "writers"), p.Identities.Writers)...)
	for _, msg := range validation.IsDNS1123Label(p.GPUOperatorNamespace) {
		errs = append(errs, field.Invalid(field.NewPath("gpuOperatorNamespace"), p.GPUOperatorNamespace, msg))
	}
	errs = append(errs, validateRules(field.NewPath("enforcement"), p.Enforcement)...)
	if p.MIGConfig != nil {
		errs = append(errs, validateMIGConfig(field.NewPath("migConfig"), p.MIGConfig)...)
	}
	return errs
}

// validateNames checks resource names or taint keys: qualified names, no
// duplicates, and (for resources) an optional trailing "*" wildcard.
func validateNames(path *field.Path, names []string, wildcard bool) field.ErrorList {
	var errs field.ErrorList
	seen := sets.New[string]()
	for i, n := range names {
		p := path.Index(i)
		if seen.Has(n) {
			errs = append(errs, field.Duplicate(p, n))
			continue
		}
		seen.Insert(n)
		check := n
		if wildcard && strings.HasSuffix(n, "*") {
			// "nvidia.com/mig-*": the part before "*" plus one character must
			// form a valid name, so that some real resource can match.
			check = strings.TrimSuffix(n, "*") + "x"
		}
		for _, msg := range validation.IsQualifiedName(check) {
			errs = append(errs, field.Invalid(p, n, msg))
		}
	}
	return errs
}

func validateComponents(path *field.Path, comps []Component) field.ErrorList {
	var errs field.ErrorList
	seen := sets.New[string]()
	for i, c := range comps {
		p := path.Index(i).Child("name")
		if seen.Has(c.Name) {
			errs = append(errs, field.Duplicate(p, c.Name))
			continue
		}
		seen.Insert(c.Name)
		// The component becomes the name part of nvidia.com/gpu.deploy.<name>.
		for _, msg := range validation.IsDNS1123Label(c.Name) {
			errs = append(errs, field.Invalid(p, c.Name, msg))
		}
		if n := len(deployLabelPrefix) + len(c.Name); n > validation.LabelValueMaxLength {
			errs = append(errs, field.TooLong(p, c.Name, validation.LabelValueMaxLength-len(deployLabelPrefix)))
		}
	}
	return errs
}

func validateSubjects(path *field.Path, s Subjects) field.ErrorList {
	var errs field.ErrorList
	for i, u := range s.Users {
		if strings.TrimSpace(u) == "" {
			errs = append(errs, field.Required(path.Child("users").Index(i), "a user name"))
		}
	}
	for i, g := range s.Groups {
		if strings.TrimSpace(g) == "" {
			errs = append(errs, field.Required(path.Child("groups").Index(i), "a group name"))
		}
	}
	for i, sa := range s.ServiceAccounts {
		p := path.Child("serviceAccounts").Index(i)
		ns, name, ok := strings.Cut(sa, "/")
		if !ok || len(validation.IsDNS1123Label(ns)) > 0 || len(validation.IsDNS1123Subdomain(name)) > 0 {
			errs = append(errs, field.Invalid(p, sa, "must be <namespace>/<name>, e.g. gpuguard/gpuguard-labeler"))
		}
	}
	return errs
}

func validateRules(path *field.Path, r Rules) field.ErrorList {
	var errs field.ErrorList
	modes := []Enforcement{Deny, Warn, Off}
	allowed := sets.New(modes...)
	// The table's order, not the map's, so the same file yields the same report.
	for _, s := range RuleSpecs() {
		v, set := r[s.Rule]
		switch {
		case !set:
		case s.Fixed:
			errs = append(errs, field.Forbidden(path.Child(s.Name), fmt.Sprintf(
				"rule %s is always %s and cannot be configured; remove it (configurable rules: %s)",
				s.Name, s.Default, strings.Join(ruleNames(true), ", "))))
		case !allowed.Has(v):
			errs = append(errs, field.NotSupported(path.Child(s.Name), v, modes))
		}
	}
	return errs
}

func validateMIGConfig(path *field.Path, m *MIGConfigSource) field.ErrorList {
	var errs field.ErrorList
	switch {
	case m.Path == "" && m.ConfigMap == nil:
		errs = append(errs, field.Required(path, "set path or configMap"))
	case m.Path != "" && m.ConfigMap != nil:
		errs = append(errs, field.Forbidden(path, "set either path or configMap, not both"))
	case m.ConfigMap != nil:
		cm := path.Child("configMap")
		for name, v := range map[string]string{"namespace": m.ConfigMap.Namespace, "name": m.ConfigMap.Name, "key": m.ConfigMap.Key} {
			if v == "" {
				errs = append(errs, field.Required(cm.Child(name), fmt.Sprintf("the ConfigMap's %s", name)))
			}
		}
		sortErrors(errs)
	}
	return errs
}

// validateWriters checks that identities.writers names writers of the table
// (a typo would silently grant nothing) and that their subjects are well formed.
func validateWriters(path *field.Path, writers map[string]Subjects) field.ErrorList {
	var errs field.ErrorList
	names := vocab.DefaultTable(vocab.TableOptions{}).Names()
	for _, name := range slices.Sorted(maps.Keys(writers)) {
		p := path.Key(name)
		if !slices.Contains(names, name) || name == vocab.WriterPeople || name == vocab.WriterKubelet {
			errs = append(errs, field.NotSupported(p, name, slices.DeleteFunc(slices.Clone(names), func(n string) bool {
				return n == vocab.WriterPeople || n == vocab.WriterKubelet
			})))
			continue
		}
		errs = append(errs, validateSubjects(p, writers[name])...)
	}
	return errs
}
