package gpures

import (
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

var defaults = []string{"nvidia.com/gpu", "nvidia.com/gpu.shared", "nvidia.com/mig-*"}

func rl(names ...string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for _, n := range names {
		out[corev1.ResourceName(n)] = resource.MustParse("1")
	}
	return out
}

func TestRequested(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	spec := &corev1.PodSpec{
		InitContainers: []corev1.Container{
			{Name: "init", Resources: corev1.ResourceRequirements{Limits: rl("nvidia.com/mig-1g.10gb")}},
			{Name: "sidecar", RestartPolicy: &always, Resources: corev1.ResourceRequirements{Requests: rl("nvidia.com/gpu.shared")}},
		},
		Containers: []corev1.Container{
			{Name: "main", Resources: corev1.ResourceRequirements{Limits: rl("nvidia.com/gpu", "cpu"), Requests: rl("nvidia.com/gpu", "memory")}},
			{Name: "other", Resources: corev1.ResourceRequirements{Limits: rl("example.com/fpga")}},
		},
	}
	assert.Equal(t, []string{"nvidia.com/gpu", "nvidia.com/gpu.shared", "nvidia.com/mig-1g.10gb"}, Requested(spec, defaults))
	assert.Empty(t, Requested(&corev1.PodSpec{Containers: []corev1.Container{{Name: "cpu"}}}, defaults))
	assert.Equal(t, []string{"example.com/fpga"}, Requested(spec, []string{"example.com/*"}))
}

// A pod asking for zero GPUs is not a GPU pod (issue 11).
func TestZeroIsNoGPU(t *testing.T) {
	zero := corev1.ResourceList{"nvidia.com/gpu": resource.MustParse("0"), "nvidia.com/mig-1g.10gb": resource.MustParse("0m")}
	spec := &corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Resources: corev1.ResourceRequirements{Limits: zero, Requests: zero}}}}
	assert.Empty(t, Requested(spec, defaults))
}

func TestMIGProfile(t *testing.T) {
	p, ok := MIGProfile("nvidia.com/mig-3g.40gb")
	assert.True(t, ok)
	assert.Equal(t, "3g.40gb", p)
	_, ok = MIGProfile("nvidia.com/gpu")
	assert.False(t, ok)
}
