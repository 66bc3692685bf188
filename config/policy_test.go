package config

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gpuguard/gpuguard/config/vocab"
)

func TestDefaults(t *testing.T) {
	p := Default()
	require.Empty(t, p.Validate())
	assert.Equal(t, MIGStrategyAuto, p.MIGStrategy)
	assert.Equal(t, MIGStrategyNone, p.EffectiveMIGStrategy(), "auto without a ClusterPolicy means none")
	assert.Equal(t, "nvidia", p.RuntimeClass())
	assert.Equal(t, []string{"nvidia.com/gpu", "nvidia.com/gpu.shared", "nvidia.com/mig-*"}, p.GPUResources)
	assert.Equal(t, []string{"nvidia.com/gpu"}, p.GPUTaints)
	assert.Len(t, p.Components, len(vocab.Components()))
	dp, ok := p.Component("device-plugin")
	require.True(t, ok)
	assert.True(t, dp.RuntimeClass)
	drv, ok := p.Component("driver")
	require.True(t, ok)
	assert.False(t, drv.RuntimeClass)
	assert.Equal(t, Deny, p.Enforcement.Mode(RuleDeployLabels))
	assert.Equal(t, Warn, p.Enforcement.Mode(RuleUnsatisfiable))
}

func TestParse(t *testing.T) {
	// Components added by a file follow the catalogue's.
	added := func(i int) string { return fmt.Sprintf("components[%d].name", len(vocab.Components())+i) }
	tests := map[string]struct {
		yaml   string
		fields []string // field paths of the expected errors, in order
		check  func(t *testing.T, p *Policy)
	}{
		"empty file is all defaults": {
			yaml:  "",
			check: func(t *testing.T, p *Policy) { assert.Equal(t, Default(), p) },
		},
		"strategy and runtime class": {
			yaml: "migStrategy: single\nruntimeClassName: nvidia-cdi\n",
			check: func(t *testing.T, p *Policy) {
				assert.Equal(t, MIGStrategySingle, p.MIGStrategy)
				assert.Equal(t, "nvidia-cdi", p.RuntimeClass())
			},
		},
		"empty runtime class disables injection": {
			yaml:  "runtimeClassName: \"\"\n",
			check: func(t *testing.T, p *Policy) { assert.Empty(t, p.RuntimeClass()) },
		},
		"components are merged by name": {
			yaml: "components:\n- name: driver\n  runtimeClass: true\n- name: my-exporter\n",
			check: func(t *testing.T, p *Policy) {
				assert.Len(t, p.Components, len(vocab.Components())+1, "one added, driver merged")
				c, _ := p.Component("driver")
				assert.True(t, c.RuntimeClass)
				_, ok := p.Component("my-exporter")
				assert.True(t, ok)
			},
		},
		"unquoted off is off, not a boolean": {
			yaml: "enforcement:\n  unsatisfiable: off\n  deployLabels: warn\n",
			check: func(t *testing.T, p *Policy) {
				assert.Equal(t, Off, p.Enforcement.Mode(RuleUnsatisfiable))
				assert.Equal(t, Warn, p.Enforcement.Mode(RuleDeployLabels))
			},
		},
		"mig config from a configmap": {
			yaml: "migConfig:\n  configMap: {namespace: gpu-operator, name: default-mig-parted-config, key: config.yaml}\n",
			check: func(t *testing.T, p *Policy) {
				assert.Equal(t, "default-mig-parted-config", p.MIGConfig.ConfigMap.Name)
			},
		},
		"three independent mistakes": {
			yaml:   "migStrategy: Mixed\nruntimeClassName: NVIDIA_rc\nenforcement:\n  deployLabels: block\n",
			fields: []string{"migStrategy", "runtimeClassName", "enforcement.deployLabels"},
		},
		"unknown rule": {
			yaml:   "enforcement: {deployLabel: warn}\n",
			fields: []string{"<file>"},
		},
		"fixed rule cannot be configured": {
			yaml:   "enforcement: {annotations: warn}\n",
			fields: []string{"enforcement.annotations"},
		},
		"enforcement true is refused": {
			yaml:   "enforcement: {factLabels: on}\n",
			fields: []string{"<file>"},
		},
		"unknown field": {
			yaml:   "migStrategey: mixed\n",
			fields: []string{"<file>"},
		},
		"bad names and duplicates": {
			yaml:   "gpuResources: [nvidia.com/gpu, nvidia.com/gpu, 'bad key/x/y']\ngpuTaints: ['-x']\n",
			fields: []string{"gpuResources[1]", "gpuResources[2]", "gpuTaints[0]"},
		},
		"bad component names": {
			yaml:   "components:\n- name: Dcgm_Exporter\n- name: a-very-long-component-name-that-goes-on-and-on-and-on-and-on\n",
			fields: []string{added(0), added(1)},
		},
		"bad identities": {
			yaml:   "identities:\n  labeler:\n    serviceAccounts: [gpuguard-labeler]\n    users: ['']\n",
			fields: []string{"identities.labeler.users[0]", "identities.labeler.serviceAccounts[0]"},
		},
		"mig config needs exactly one source": {
			yaml:   "migConfig: {}\n",
			fields: []string{"migConfig"},
		},
		"mig config map needs every key": {
			yaml:   "migConfig:\n  configMap: {name: x}\n",
			fields: []string{"migConfig.configMap.key", "migConfig.configMap.namespace"},
		},
		"wrong kind": {
			yaml:   "kind: Config\n",
			fields: []string{"kind"},
		},
		// The pod webhooks' failurePolicy belongs to their registration: the
		// chart value podFailurePolicy (docs/decisions.md).
		"failure policy is not a policy field": {
			yaml:   "podFailurePolicy: Fail\n",
			fields: []string{"<file>"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p, err := Parse("policy.yaml", []byte(tc.yaml))
			if len(tc.fields) == 0 {
				require.NoError(t, err)
				tc.check(t, p)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidPolicy)
			var verr *ValidationError
			require.ErrorAs(t, err, &verr)
			var got []string
			for _, fe := range verr.Errors {
				got = append(got, fe.Field)
			}
			assert.Equal(t, tc.fields, got)
			assert.Nil(t, p)
		})
	}
}

func TestValidationErrorMessage(t *testing.T) {
	_, err := Parse("/etc/gpuguard/policy.yaml", []byte("migStrategy: Mixed\nenforcement: {factLabels: maybe}\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "/etc/gpuguard/policy.yaml has 2 problem(s)")
	assert.Contains(t, err.Error(), `migStrategy: Unsupported value: "Mixed": supported values: "auto", "none", "single", "mixed"`)
	assert.Contains(t, err.Error(), "enforcement.factLabels")
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "policy.yaml")
	require.NoError(t, os.WriteFile(path, []byte("migStrategy: mixed\n"), 0o600))
	p, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, MIGStrategyMixed, p.MIGStrategy)

	_, err = Load(filepath.Join(dir, "missing.yaml"))
	require.Error(t, err)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.NotErrorIs(t, err, ErrInvalidPolicy)
}
