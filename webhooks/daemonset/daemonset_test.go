package daemonset

import (
	"context"
	"encoding/json"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/gpuguard/gpuguard/config"
)

func component(name string, envs ...corev1.EnvVar) *appsv1.DaemonSet {
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "gpu-operator", Labels: map[string]string{LabelComponent: name}},
		Spec: appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: name, Image: "nvcr.io/nvidia/" + name, Env: envs}},
		}}},
	}
}

func unlabelled(name string) *appsv1.DaemonSet {
	ds := component(name)
	delete(ds.Labels, LabelComponent)
	return ds
}

func env(enabled int) Env {
	return Env{RuntimeClassExists: func(context.Context, string) (bool, error) { return true, nil }, EnabledNodes: func(string) int { return enabled }}
}

func apply(t *testing.T, ds *appsv1.DaemonSet, pol *config.Policy) *appsv1.DaemonSet {
	t.Helper()
	v, err := Mutate(context.Background(), ds, pol, env(1))
	require.NoError(t, err)
	if len(v.Patch) == 0 {
		return ds
	}
	raw, _ := json.Marshal(ds)
	ops, _ := json.Marshal(v.Patch)
	patch, err := jsonpatch.DecodePatch(ops)
	require.NoError(t, err)
	out, err := patch.Apply(raw)
	require.NoError(t, err)
	got := &appsv1.DaemonSet{}
	require.NoError(t, json.Unmarshal(out, got))
	return got
}

func TestMutate(t *testing.T) {
	got := apply(t, component("dcgm-exporter"), config.Default())
	spec := got.Spec.Template.Spec
	assert.Equal(t, ptr.To("nvidia"), spec.RuntimeClassName, "dcgm-exporter needs the runtime class")
	assert.Equal(t, []corev1.NodeSelectorRequirement{{Key: "nvidia.com/gpu.deploy.dcgm-exporter", Operator: corev1.NodeSelectorOpIn, Values: []string{"true"}}},
		spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchExpressions)
	assert.Len(t, spec.Tolerations, 1)
	again, err := Mutate(context.Background(), got, config.Default(), env(1))
	require.NoError(t, err)
	assert.Empty(t, again.Patch, "re-applying changes nothing")

	drv := apply(t, component("driver"), config.Default())
	assert.Nil(t, drv.Spec.Template.Spec.RuntimeClassName, "the driver does not run under the runtime class it installs")
	unknown, err := Mutate(context.Background(), component("dcgm-exporer"), config.Default(), env(1))
	require.NoError(t, err)
	assert.Empty(t, unknown.Patch)
}

// A missing RuntimeClass and a failed lookup each leave the runtime class
// out, with a warning that says which it was.
func TestMutateRuntimeClassUnknown(t *testing.T) {
	tests := map[string]struct {
		exists func(context.Context, string) (bool, error)
		want   string
	}{
		"missing":       {exists: func(context.Context, string) (bool, error) { return false, nil }, want: `RuntimeClass "nvidia" does not exist, so gpuguard did not set it on component dcgm-exporter`},
		"lookup failed": {exists: func(context.Context, string) (bool, error) { return false, assert.AnError }, want: `RuntimeClass "nvidia" could not be looked up (` + assert.AnError.Error() + `), so gpuguard did not set it on component dcgm-exporter`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := env(1)
			e.RuntimeClassExists = tc.exists
			v, err := Mutate(context.Background(), component("dcgm-exporter"), config.Default(), e)
			require.NoError(t, err)
			assert.Equal(t, []string{tc.want}, v.Warnings)
			for _, op := range v.Patch {
				assert.NotEqual(t, "/spec/template/spec/runtimeClassName", op.Path)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	mixed, err := config.Parse("p", []byte("migStrategy: mixed\n"))
	require.NoError(t, err)
	tests := map[string]struct {
		ds      *appsv1.DaemonSet
		enabled int
		want    string
		warning string
	}{
		"known component":   {ds: component("device-plugin"), enabled: 3},
		"unknown":           {ds: component("dcgm-exporer"), enabled: 3, want: `unknown GPU component "dcgm-exporer"; did you mean dcgm-exporter?`},
		"matching env":      {ds: component("device-plugin", corev1.EnvVar{Name: "MIG_STRATEGY", Value: "mixed"}), enabled: 3},
		"mismatched env":    {ds: component("device-plugin", corev1.EnvVar{Name: "MIG_STRATEGY", Value: "single"}), enabled: 3, want: `MIG_STRATEGY must be this cluster's MIG strategy "mixed"`},
		"invalid GFD env":   {ds: component("gpu-feature-discovery", corev1.EnvVar{Name: "GFD_MIG_STRATEGY", Value: "Mixed"}), enabled: 3, want: "GFD_MIG_STRATEGY must be"},
		"enabled nowhere":   {ds: component("dcgm"), enabled: 0, warning: "no node currently has nvidia.com/gpu.deploy.dcgm=true"},
		"other env is fine": {ds: component("dcgm", corev1.EnvVar{Name: "STRATEGY", Value: "x"}), enabled: 1},
		// Issue 11: removing the label used to be refused as component "".
		"label removed":   {ds: unlabelled("dcgm"), enabled: 1, warning: "no longer a gpuguard component"},
		"empty component": {ds: component(""), enabled: 1, want: "empty component; name one of"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			v := Validate(tc.ds, mixed, env(tc.enabled))
			if tc.want == "" {
				assert.Empty(t, v.Violations)
			} else {
				require.Len(t, v.Violations, 1)
				assert.Equal(t, config.RuleComponents, v.Violations[0].Rule)
				assert.Contains(t, v.Violations[0].Err.Error(), tc.want)
			}
			if tc.warning != "" {
				require.Len(t, v.Warnings, 1)
				assert.Contains(t, v.Warnings[0], tc.warning)
			}
		})
	}
}
