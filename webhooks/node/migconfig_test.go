package node

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/facts"
)

func migFile(t *testing.T) MIGConfigs {
	t.Helper()
	f, err := ParseMIGConfigFile("mig-parted-config.yaml", []byte(`version: v1
mig-configs:
  all-balanced:
    - devices: all
      mig-enabled: true
      mig-devices: {"1g.5gb": 2, "2g.10gb": 1, "3g.20gb": 1}
  half-half:
    - devices: [0, 1, 2, 3]
      mig-enabled: false
    - devices: [4, 5, 6, 7]
      mig-enabled: true
      mig-devices: {"1g.5gb": 7}
  media:
    - devices: all
      mig-enabled: true
      mig-devices: {"1g.5gb+me": 1}
  all-3g.20gb:
    - devices: all
      mig-enabled: true
      mig-devices: {"3g.20gb": 2}
`))
	require.NoError(t, err)
	return f
}

func TestMIGConfig(t *testing.T) {
	single, mixed := strategy(t, "single"), strategy(t, "mixed")
	noMIG := edit(a100(), map[string]string{facts.LabelMIGCapable: "false"})
	tests := map[string]struct {
		node    Meta
		value   string
		policy  *config.Policy
		configs bool
		want    string
		warning string
	}{
		"all-disabled":                {node: a100(), value: "all-disabled"},
		"all-enabled":                 {node: a100(), value: "all-enabled"},
		"supported profile":           {node: a100(), value: "all-1g.5gb"},
		"unsupported profile":         {node: a100(), value: "all-1g.10gb.gfx", want: "MIG profile 1g.10gb.gfx is not supported by the GPUs of node gpu-a100-0"},
		"not MIG capable":             {node: noMIG, value: "all-1g.5gb", want: "has no MIG-capable GPU"},
		"all-disabled, not capable":   {node: noMIG, value: "all-disabled"},
		"no facts yet":                {node: Meta{}, value: "all-1g.5gb", warning: "has no GPU facts yet"},
		"unknown name without file":   {node: a100(), value: "all-balanced", warning: "is not checked"},
		"from file, mixed":            {node: a100(), value: "all-balanced", policy: mixed, configs: true},
		"from file, single":           {node: a100(), value: "all-balanced", policy: single, configs: true, want: "has 3 (1g.5gb, 2g.10gb, 3g.20gb)"},
		"from file, mixing MIG":       {node: a100(), value: "half-half", policy: single, configs: true, want: "cannot mix MIG-enabled and MIG-disabled"},
		"from file, media extension":  {node: a100(), value: "media", policy: single, configs: true},
		"from file, unknown name":     {node: a100(), value: "nonsense", configs: true, want: "nonsense (MIG configs in mig-parted-config.yaml: all-3g.20gb, all-balanced, half-half, media)"},
		"builtin wins over the file":  {node: a100(), value: "all-3g.20gb", policy: single, configs: true},
		"removing mig.config is fine": {node: a100(), value: "-"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := &Request{Username: person, Policy: tc.policy, Old: tc.node, New: edit(tc.node, map[string]string{labelMIGConfig: tc.value})}
			if tc.configs {
				r.MIGConfigs = migFile(t)
			}
			got := validate(t, r)
			denied(t, got, config.RuleMIGConfig, tc.want)
			if tc.warning != "" {
				assert.Contains(t, strings.Join(got.warnings, "\n"), tc.warning)
			}
		})
	}
}
