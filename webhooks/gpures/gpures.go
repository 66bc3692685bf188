// Package gpures classifies Pod resources: which of them are GPUs under the
// policy's resource names and patterns, and which are MIG devices. It is
// shared by the pod and DaemonSet webhooks.
package gpures

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// MIGPrefix starts the resource names of MIG devices under strategy mixed.
const MIGPrefix = "nvidia.com/mig-"

// Matches reports whether a resource name is one of the patterns; a pattern
// ending in "*" matches any suffix.
func Matches(name string, patterns []string) bool {
	for _, p := range patterns {
		if prefix, ok := strings.CutSuffix(p, "*"); ok {
			if strings.HasPrefix(name, prefix) {
				return true
			}
		} else if name == p {
			return true
		}
	}
	return false
}

// Requested returns, sorted and once each, the GPU resources any container,
// init container or sidecar (an init container that keeps running) requests
// or limits in a non-zero quantity: `nvidia.com/gpu: 0` asks for no GPU
// (the scheduler and the device plugin give it none).
func Requested(spec *corev1.PodSpec, patterns []string) []string {
	var out []string
	add := func(rl corev1.ResourceList) {
		for name, q := range rl {
			if !q.IsZero() && Matches(string(name), patterns) {
				out = append(out, string(name))
			}
		}
	}
	for _, cs := range [][]corev1.Container{spec.InitContainers, spec.Containers} {
		for _, c := range cs {
			add(c.Resources.Requests)
			add(c.Resources.Limits)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// MIGProfile returns the profile of a MIG resource ("nvidia.com/mig-1g.10gb"
// → "1g.10gb").
func MIGProfile(resource string) (string, bool) {
	return strings.CutPrefix(resource, MIGPrefix)
}
