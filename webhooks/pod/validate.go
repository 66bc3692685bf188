package pod

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/facts"
	"github.com/gpuguard/gpuguard/webhooks/gpures"
	"github.com/gpuguard/gpuguard/webhooks/verdict"
)

// Offer is what one kind of GPU node offers, with how many nodes offer it.
type Offer = facts.OfferCount

// Validate checks a pod: MIG resources under the cluster's strategy,
// gpuguard.io annotations, and whether any node can run it.
func Validate(p *corev1.Pod, pol *config.Policy, env Env) verdict.Verdict {
	var v verdict.Verdict
	requested := gpures.Requested(&p.Spec, pol.GPUResources)
	var buf [8]requirement
	want, errs := parseWant(buf[:0], p.Annotations)
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Field < errs[j].Field })
	for _, e := range errs {
		v.Add(config.RuleAnnotations, e)
	}
	if len(requested) == 0 {
		return v
	}
	var mig migProfiles
	for _, r := range requested {
		profile, ok := gpures.MIGProfile(r)
		if !ok {
			continue
		}
		mig = append(mig, profile)
		if s := pol.EffectiveMIGStrategy(); s != config.MIGStrategyMixed {
			v.Add(config.RuleMIGResources, field.Forbidden(resourcesPath(&p.Spec, r), fmt.Sprintf(
				"%s is advertised only with MIG strategy mixed; this cluster uses %s (%s), where MIG devices are requested as nvidia.com/gpu",
				r, s, pol.MIGStrategySource())))
		}
	}
	if len(mig) > 0 {
		want = append(want, mig)
	}
	if len(errs) == 0 {
		checkSatisfiable(want, env.Offers(), &v)
	}
	return v
}

// resourcesPath is the resources of the first container (init containers
// first, as gpures.Requested reads them) that requests or limits resource.
func resourcesPath(spec *corev1.PodSpec, resource string) *field.Path {
	name := corev1.ResourceName(resource)
	for _, group := range []struct {
		field string
		cs    []corev1.Container
	}{{"initContainers", spec.InitContainers}, {"containers", spec.Containers}} {
		for i, c := range group.cs {
			_, req := c.Resources.Requests[name]
			_, lim := c.Resources.Limits[name]
			if req || lim {
				return field.NewPath("spec", group.field).Index(i).Child("resources")
			}
		}
	}
	return field.NewPath("spec", "containers")
}

// checkSatisfiable looks for one offer meeting every wish: O(number of
// distinct offers), whatever the number of nodes.
func checkSatisfiable(w want, offers []Offer, v *verdict.Verdict) {
	for _, o := range offers {
		if w.satisfiedBy(o.Offer) {
			return
		}
	}
	var have []string
	for _, o := range offers {
		have = append(have, describe(o))
	}
	msg := "no GPU node in the cluster can run this pod"
	if d := w.String(); d != "" {
		msg += " (it asks for " + d + ")"
	}
	if len(have) == 0 {
		msg += "; the cluster has no labelled GPU nodes yet"
	} else {
		msg += "; the cluster offers: " + strings.Join(have, "; ")
	}
	v.Add(config.RuleUnsatisfiable, field.Forbidden(field.NewPath("spec"), msg))
}

func describe(o Offer) string {
	name := o.Product
	if name == "" {
		name = "MIG-partitioned GPUs"
	}
	s := fmt.Sprintf("%s (%s, %d MiB, compute %d.%d, CUDA %d.%d", name, o.Family, o.MemoryMiB, o.ComputeMajor, o.ComputeMinor, o.CUDAMajor, o.CUDAMinor)
	if o.MIGProfiles != "" {
		s += ", MIG profiles " + o.MIGProfiles
	}
	return s + fmt.Sprintf(") on %d node(s)", o.Nodes)
}
