package node

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/facts"
)

// Identities, nodes and helpers shared by the node rule tests.
const (
	person        = "alice"
	labelerU      = "system:serviceaccount:gpuguard:gpuguard-labeler"
	operator      = "system:serviceaccount:gpu-operator:gpu-operator"
	migManager    = "system:serviceaccount:gpu-operator:nvidia-mig-manager"
	driverManager = "system:serviceaccount:gpu-operator:nvidia-driver"
	vgpuManager   = "system:serviceaccount:gpu-operator:nvidia-vgpu-device-manager"
	ccManager     = "system:serviceaccount:gpu-operator:nvidia-cc-manager"
	nfdBundled    = "system:serviceaccount:gpu-operator:node-feature-discovery"
	nfdStandalone = "system:serviceaccount:node-feature-discovery:nfd-master"
)

var operatorGroups = []string{"system:serviceaccounts", "system:serviceaccounts:gpu-operator"}

// a100 is a node as the labeler leaves it.
func a100() Meta {
	return Meta{
		Labels: map[string]string{
			"nvidia.com/gpu.present": "true", "nvidia.com/mig.capable": "true",
			"nvidia.com/gpu.product": "NVIDIA-A100-SXM4-40GB", "nvidia.com/gpu.deploy.dcgm-exporter": "true",
		},
		Annotations: map[string]string{facts.AnnotationMIGProfiles: "1g.10gb,1g.5gb,1g.5gb.me,2g.10gb,3g.20gb,4g.20gb,7g.40gb"},
	}
}

// edit returns a copy of m with labels set ("" value: removed).
func edit(m Meta, labels map[string]string) Meta {
	out := Meta{Labels: map[string]string{}, Annotations: map[string]string{}}
	for k, v := range m.Labels {
		out.Labels[k] = v
	}
	for k, v := range m.Annotations {
		out.Annotations[k] = v
	}
	for k, v := range labels {
		if v == "-" {
			delete(out.Labels, k)
			continue
		}
		out.Labels[k] = v
	}
	return out
}

type result struct {
	rules    []config.Rule
	messages []string
	warnings []string
}

func validate(t *testing.T, r *Request) result {
	t.Helper()
	if r.Policy == nil {
		r.Policy = config.Default()
	}
	if r.Name == "" {
		r.Name = "gpu-a100-0"
	}
	v := Validate(r)
	var out result
	for _, x := range v.Violations {
		out.rules = append(out.rules, x.Rule)
		out.messages = append(out.messages, x.Err.Error())
	}
	out.warnings = v.Warnings
	return out
}

// denied asserts that got holds no violation when want is empty, and
// otherwise exactly one, of rule, whose message contains want.
func denied(t *testing.T, got result, rule config.Rule, want string) {
	t.Helper()
	if want == "" {
		assert.Empty(t, got.messages)
		return
	}
	require.Len(t, got.messages, 1, "%v", got.messages)
	assert.Contains(t, got.messages[0], want)
	assert.Equal(t, []config.Rule{rule}, got.rules)
}

// strategy is the default policy with the given MIG strategy.
func strategy(t *testing.T, name string) *config.Policy {
	t.Helper()
	p, err := config.Parse("p", []byte("migStrategy: "+name+"\n"))
	require.NoError(t, err)
	return p
}
