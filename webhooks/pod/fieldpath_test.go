package pod

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/gpuguard/gpuguard/config"
)

// A refused resource names the container that asks for it, init
// containers included, so the user sees which one to fix.
func TestMIGResourceFieldPath(t *testing.T) {
	mig := func(name string) corev1.Container {
		return corev1.Container{Name: name, Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{"nvidia.com/mig-1g.5gb": resource.MustParse("1")}}}
	}
	cpu := corev1.Container{Name: "cpu"}
	tests := map[string]struct {
		spec corev1.PodSpec
		want string
	}{
		"second container":   {spec: corev1.PodSpec{Containers: []corev1.Container{cpu, mig("main")}}, want: "spec.containers[1].resources"},
		"init container":     {spec: corev1.PodSpec{InitContainers: []corev1.Container{cpu, mig("warmup")}, Containers: []corev1.Container{cpu}}, want: "spec.initContainers[1].resources"},
		"init and container": {spec: corev1.PodSpec{InitContainers: []corev1.Container{mig("warmup")}, Containers: []corev1.Container{mig("main")}}, want: "spec.initContainers[0].resources"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			v := Validate(&corev1.Pod{Spec: tc.spec}, config.Default(), env(true))
			require.Len(t, v.Violations, 2, "the MIG request and the unsatisfiable pod")
			assert.Equal(t, config.RuleMIGResources, v.Violations[0].Rule)
			assert.Equal(t, tc.want, v.Violations[0].Err.Field)
		})
	}
}
