package podview

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// The view holds exactly what a full decode holds in the fields decisions
// read, for the API server's documents and odd ones alike.
func TestPodMatchesFullDecode(t *testing.T) {
	for name, doc := range podSeeds {
		t.Run(name, func(t *testing.T) { podSameAsFull(t, []byte(doc)) })
	}
}

func TestDaemonSetMatchesFullDecode(t *testing.T) {
	for name, doc := range dsSeeds {
		t.Run(name, func(t *testing.T) { dsSameAsFull(t, []byte(doc)) })
	}
}

func FuzzPod(f *testing.F) {
	for _, doc := range podSeeds {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if json.Valid(doc) {
			podSameAsFull(t, doc)
		}
	})
}

func FuzzDaemonSet(f *testing.F) {
	for _, doc := range dsSeeds {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if json.Valid(doc) {
			dsSameAsFull(t, doc)
		}
	})
}

// podSameAsFull: where a full decode succeeds, the view equals its
// projection; where it fails, the view fails the same way, unless only a
// field no decision reads was mistyped (the API server never sends that).
func podSameAsFull(t *testing.T, doc []byte) {
	t.Helper()
	full := &corev1.Pod{}
	fullErr := json.Unmarshal(doc, full)
	got, err := Pod(doc)
	switch {
	case fullErr == nil:
		require.NoError(t, err)
		assert.Equal(t, projectPod(full), projectPod(got))
	case err != nil:
		require.EqualError(t, err, fullErr.Error())
	}
}

func dsSameAsFull(t *testing.T, doc []byte) {
	t.Helper()
	full := &appsv1.DaemonSet{}
	fullErr := json.Unmarshal(doc, full)
	got, err := DaemonSet(doc)
	switch {
	case fullErr == nil:
		require.NoError(t, err)
		assert.Equal(t, projectDaemonSet(full), projectDaemonSet(got))
	case err != nil:
		require.EqualError(t, err, fullErr.Error())
	}
}

// projectPod keeps what the pod decisions read (a view falls back to the
// full object on odd documents).
func projectPod(p *corev1.Pod) *corev1.Pod {
	out := &corev1.Pod{}
	out.Annotations = p.Annotations
	projectSpec(&p.Spec, &out.Spec, false)
	return out
}

func projectDaemonSet(ds *appsv1.DaemonSet) *appsv1.DaemonSet {
	out := &appsv1.DaemonSet{}
	out.Labels = ds.Labels
	projectSpec(&ds.Spec.Template.Spec, &out.Spec.Template.Spec, true)
	return out
}

// projectSpec keeps what the view reads: container resources of pods, env
// of DaemonSets.
func projectSpec(from, to *corev1.PodSpec, withEnv bool) {
	to.RuntimeClassName, to.Affinity, to.Tolerations = from.RuntimeClassName, from.Affinity, from.Tolerations
	project := func(cs []corev1.Container) []corev1.Container {
		if cs == nil {
			return nil
		}
		out := make([]corev1.Container, len(cs))
		for i, c := range cs {
			if withEnv {
				out[i].Env = c.Env
			} else {
				out[i].Resources = c.Resources
			}
		}
		return out
	}
	to.InitContainers, to.Containers = project(from.InitContainers), project(from.Containers)
}

var podSeeds = map[string]string{
	"gpu pod": `{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","namespace":"ml","annotations":{"gpuguard.io/gpu-memory-min":"40Gi"},
		"managedFields":[{"manager":"kubectl","fieldsV1":{"f:spec":{}}}]},
		"spec":{"initContainers":[{"name":"init","image":"busybox","resources":{"requests":{"cpu":"500m"}}}],
		"containers":[{"name":"main","image":"cuda","command":["sh","-c","echo }"],"env":[{"name":"A","value":"b"}],
		"resources":{"limits":{"nvidia.com/gpu":"1","memory":"64Gi"},"requests":{"cpu":"8"}}}],
		"tolerations":[{"key":"k","operator":"Exists","effect":"NoSchedule"}],"runtimeClassName":"nvidia",
		"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"z","operator":"In","values":["a"]}]}]}}}},
		"status":{"phase":"Pending"}}`,
	"empty spec":           `{"metadata":{},"spec":{}}`,
	"null spec":            `{"metadata":null,"spec":null}`,
	"empty containers":     `{"spec":{"containers":[],"tolerations":[]}}`,
	"null container":       `{"spec":{"containers":[null,{"name":"a"}]}}`,
	"bad quantity":         `{"spec":{"containers":[{"resources":{"limits":{"nvidia.com/gpu":"x"}}}]}}`,
	"spec in caps":         `{"SPEC":{"containers":[{"name":"a"}]}}`,
	"containers in caps":   `{"spec":{"Containers":[{"name":"a"}]}}`,
	"duplicate containers": `{"spec":{"containers":[{"name":"a"}],"containers":[{"name":"b"}]}}`,
	"resources a string":   `{"spec":{"containers":[{"resources":"x"}]}}`,
	// Resources read without encoding/json, and what falls back to it.
	"quantity a number":    `{"spec":{"containers":[{"resources":{"limits":{"nvidia.com/gpu":1}}}]}}`,
	"quantity null":        `{"spec":{"containers":[{"resources":{"limits":{"nvidia.com/gpu":null}}}]}}`,
	"quantity spaced":      `{"spec":{"containers":[{"resources":{"limits":{"nvidia.com/gpu":" 2 "}}}]}}`,
	"quantity escaped":     `{"spec":{"containers":[{"resources":{"limits":{"nvidia.com/gpu":"\u0031"}}}]}}`,
	"empty limits":         `{"spec":{"containers":[{"resources":{"limits":{},"requests":null}}]}}`,
	"null resources":       `{"spec":{"containers":[{"resources":null}]}}`,
	"limits in caps":       `{"spec":{"containers":[{"resources":{"Limits":{"nvidia.com/gpu":"1"}}}]}}`,
	"duplicate limits":     `{"spec":{"containers":[{"resources":{"limits":{"cpu":"1"},"limits":{"nvidia.com/gpu":"1"}}}]}}`,
	"claims":               `{"spec":{"containers":[{"resources":{"limits":{"nvidia.com/gpu":"1"},"claims":[{"name":"gpu"}]}}]}}`,
	"other resources keys": `{"spec":{"containers":[{"resources":{"requests":{"cpu":"1"},"x":{"y":"z"}}}]}}`,
	"null document":        `null`,
}

var dsSeeds = map[string]string{
	"component": `{"kind":"DaemonSet","metadata":{"name":"d","labels":{"gpuguard.io/component":"dcgm-exporter"}},
		"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},
		"spec":{"containers":[{"name":"c","env":[{"name":"MIG_STRATEGY","value":"mixed"}]}],"tolerations":[{"operator":"Exists"}]}}}}`,
	"no template":    `{"metadata":{"labels":{}},"spec":{}}`,
	"null template":  `{"spec":{"template":null}}`,
	"template caps":  `{"spec":{"Template":{"spec":{}}}}`,
	"labels a list":  `{"metadata":{"labels":[]}}`,
	"env not a list": `{"spec":{"template":{"spec":{"containers":[{"env":{}}]}}}}`,
}
