package node

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/config/vocab"
	"github.com/gpuguard/gpuguard/webhooks/facts"
)

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

func TestDeployLabels(t *testing.T) {
	const drv = vocab.PausedForDriverUpgrade
	tests := map[string]struct {
		key, old, value string
		user            string
		want            string // substring of the one violation; "" = allowed
	}{
		"true":                             {"dcgm-exporter", "", "true", person, ""},
		"false":                            {"dcgm-exporter", "", "false", person, ""},
		"empty is absent":                  {"dcgm-exporter", "", "", person, ""},
		"True":                             {"dcgm-exporter", "", "True", person, `values are case-sensitive: use "true", not "True"`},
		"FALSE":                            {"dcgm-exporter", "", "FALSE", person, `use "false", not "FALSE"`},
		"ture":                             {"dcgm-exporter", "", "ture", person, `Unsupported value: "ture": supported values: "true", "false"`},
		"typo in component":                {"dcgm-exporer", "", "false", person, `unknown GPU component "dcgm-exporer" in nvidia.com/gpu.deploy.dcgm-exporer; did you mean dcgm-exporter?`},
		"far from any component":           {"quantum-flux", "", "true", person, "known components: driver, container-toolkit"},
		"pre-installed on driver":          {"driver", "", "pre-installed", person, ""},
		"pre-installed elsewhere":          {"dcgm", "", "pre-installed", person, "Unsupported value"},
		"pre-installed by driver-manager":  {"driver", "true", "pre-installed", driverManager, ""},
		"operands true":                    {"operands", "", "true", person, ""},
		"operands false":                   {"operands", "", "false", person, ""},
		"operands paused":                  {"operands", "", drv, driverManager, "is not for driver-manager"},
		"operands paused by a person":      {"operands", "", drv, person, "Unsupported value"},
		"mig pause by mig-manager":         {"device-plugin", "true", "paused-for-mig-change", migManager, ""},
		"mig pause over a driver pause":    {"device-plugin", drv, "paused-for-mig-change", migManager, ""},
		"mig restore":                      {"device-plugin", "paused-for-mig-change", "true", migManager, ""},
		"mig pause by a person":            {"device-plugin", "", "paused-for-mig-change", person, `"paused-for-mig-change" is written by mig-manager (service accounts gpu-operator/nvidia-mig-manager) while it pauses device-plugin`},
		"mig pause of driver":              {"driver", "", "paused-for-mig-change", migManager, "is not for mig-manager"},
		"mig pause by driver-manager":      {"device-plugin", "", "paused-for-mig-change", driverManager, "is not for driver-manager"},
		"driver upgrade pause":             {"dcgm", "true", drv, driverManager, ""},
		"driver upgrade pause of mig-mgr":  {"mig-manager", "true", drv, driverManager, ""},
		"composite pause":                  {"dcgm", "", "true_" + drv, driverManager, ""},
		"composite over a mig pause":       {"dcgm", "paused-for-mig-change", "paused-for-mig-change_" + drv, driverManager, ""},
		"restore to the mig pause":         {"dcgm", "paused-for-mig-change_" + drv, "paused-for-mig-change", driverManager, ""},
		"driver restore":                   {"dcgm", drv, "true", driverManager, ""},
		"driver stamps empty on absent":    {"nvsm", "", "", driverManager, ""},
		"driver label is not paused":       {"driver", "", "pre-installed_" + drv, driverManager, "is not for driver-manager"},
		"composite pause by a person":      {"dcgm", "", "false_" + drv, person, "is written by driver-manager"},
		"composite of a bad value":         {"dcgm", "", "maybe_" + drv, driverManager, "is not for driver-manager"},
		"composite with wrong case":        {"dcgm", "", "True_Paused-For-Driver-Upgrade", driverManager, `use "true_paused-for-driver-upgrade"`},
		"vgpu pause":                       {"sandbox-device-plugin", "true", vocab.PausedForVGPUChange, vgpuManager, ""},
		"vgpu pause by mig-manager":        {"sandbox-device-plugin", "true", vocab.PausedForVGPUChange, migManager, "is not for mig-manager"},
		"cc pause":                         {"vfio-manager", "true", vocab.PausedForCCModeChange, ccManager, ""},
		"cc composite over a driver pause": {"vgpu-device-manager", drv, drv + "_" + vocab.PausedForCCModeChange, ccManager, ""},
		"cc pause of device-plugin":        {"device-plugin", "true", vocab.PausedForCCModeChange, ccManager, "is not for cc-manager"},
		"operator sets true":               {"dcgm", "", "true", operator, ""},
		"operator sets false":              {"dcgm", "true", "false", operator, "is not for gpu-operator"},
		"every known component":            {"dcgm-exporter-dra", "", "true", person, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			groups := []string{"system:authenticated"}
			if strings.HasPrefix(tc.user, "system:serviceaccount:gpu-operator:") {
				groups = operatorGroups
			}
			old := a100()
			if tc.old != "" {
				old = edit(old, map[string]string{facts.LabelDeployPrefix + tc.key: tc.old})
			}
			got := validate(t, &Request{Username: tc.user, Groups: groups, Old: old,
				New: edit(old, map[string]string{facts.LabelDeployPrefix + tc.key: tc.value})})
			if tc.want == "" {
				assert.Empty(t, got.messages)
				return
			}
			require.Len(t, got.messages, 1, "%v", got.messages)
			assert.Contains(t, got.messages[0], tc.want)
			assert.Equal(t, []config.Rule{config.RuleDeployLabels}, got.rules)
		})
	}
}

func TestWorkloadConfig(t *testing.T) {
	for value, want := range map[string]string{
		"vm-passthrough": "", "container": "", "vm-vgpu": "", "-": "",
		"vm-pasthrough": "did you mean vm-passthrough?",
		"VM-VGPU":       `use "vm-vgpu", not "VM-VGPU"`,
		"kubevirt":      `supported values: "container", "vm-passthrough", "vm-vgpu"`,
	} {
		t.Run(value, func(t *testing.T) {
			old := edit(a100(), map[string]string{vocab.LabelWorkloadConfig: "container"})
			got := validate(t, &Request{Username: person, Old: old, New: edit(old, map[string]string{vocab.LabelWorkloadConfig: value})})
			if want == "" {
				assert.Empty(t, got.messages)
				return
			}
			require.Len(t, got.messages, 1, "%v", got.messages)
			assert.Contains(t, got.messages[0], want)
		})
	}
}

func TestPolicyComponents(t *testing.T) {
	p, err := config.Parse("p", []byte("components: [{name: my-exporter}]\n"))
	require.NoError(t, err)
	old := a100()
	got := validate(t, &Request{Username: person, Policy: p, Old: old,
		New: edit(old, map[string]string{facts.LabelDeployPrefix + "my-exporter": "true"})})
	assert.Empty(t, got.messages)
}

func TestUnchangedBadLabelDoesNotBlock(t *testing.T) {
	old := edit(a100(), map[string]string{facts.LabelDeployPrefix + "dcgm": "True"})
	got := validate(t, &Request{Username: person, Old: old, New: edit(old, map[string]string{"team": "ml"})})
	assert.Empty(t, got.messages)
	got = validate(t, &Request{Username: person, Old: old, New: edit(old, map[string]string{facts.LabelDeployPrefix + "dcgm": "-"})})
	assert.Empty(t, got.messages, "removing a deploy label is allowed")
}

func TestThreeViolationsThreeErrors(t *testing.T) {
	old := a100()
	got := validate(t, &Request{Username: person, Old: old, New: edit(old, map[string]string{
		facts.LabelDeployPrefix + "dcgm-exporter": "False",
		facts.LabelDeployPrefix + "dcgm-exporer":  "false",
		"nvidia.com/gpu.product":                  "x",
	})})
	assert.Len(t, got.messages, 3, "%v", got.messages)
	assert.Equal(t, []config.Rule{config.RuleDeployLabels, config.RuleDeployLabels, config.RuleFactLabels}, got.rules)
}

func TestFactLabels(t *testing.T) {
	labelerGroups := []string{"system:serviceaccounts", "system:serviceaccounts:gpuguard"}
	tests := map[string]struct {
		user   string
		groups []string
		extra  map[string][]string
		create bool
		labels map[string]string
		ann    map[string]string
		want   string
	}{
		"person edits product": {
			user: person, labels: map[string]string{"nvidia.com/gpu.product": "x"},
			want: "nvidia.com/gpu.product is discovered from the hardware by the gpuguard labeler and cannot be edited",
		},
		"cluster admin is a person too": {
			user: "kubernetes-admin", groups: []string{"system:masters"}, labels: map[string]string{"nvidia.com/gpu.count": "9"},
			want: "cannot be edited",
		},
		"person removes a fact": {
			user: person, labels: map[string]string{"nvidia.com/gpu.product": "-"}, want: "cannot be edited",
		},
		"person edits a MIG fact": {
			user: person, labels: map[string]string{"nvidia.com/mig-1g.5gb.count": "7"}, want: "cannot be edited",
		},
		"person edits the profiles annotation": {
			user: person, ann: map[string]string{facts.AnnotationMIGProfiles: "7g.80gb"}, want: "metadata.annotations[gpuguard.io/mig-profiles]",
		},
		"person edits an unknown nvidia.com label": {
			user: person, labels: map[string]string{"nvidia.com/gpu.workload.config": "vm-passthrough"},
		},
		"labeler on its node": {
			user: labelerU, groups: labelerGroups, extra: map[string][]string{NodeNameExtra: {"gpu-a100-0"}},
			labels: map[string]string{"nvidia.com/gpu.count": "8"},
		},
		"labeler on another node": {
			user: labelerU, groups: labelerGroups, extra: map[string][]string{NodeNameExtra: {"gpu-h100-0"}},
			labels: map[string]string{"nvidia.com/gpu.count": "8"},
			want:   "the gpuguard labeler on node gpu-h100-0 may label only that node, not gpu-a100-0",
		},
		"labeler without node name": {
			user: labelerU, groups: labelerGroups, labels: map[string]string{"nvidia.com/gpu.count": "8"},
			want: "names no node",
		},
		"operator writes gpu.present": {
			user: operator, groups: operatorGroups, labels: map[string]string{"nvidia.com/gpu.present": "false"},
		},
		"operator writes a product": {
			user: operator, groups: operatorGroups, labels: map[string]string{"nvidia.com/gpu.product": "x"},
			want: `nvidia.com/gpu.product="x" is not for gpu-operator (service accounts gpu-operator/gpu-operator), which may write only:`,
		},
		"mig-manager writes a product": {
			user: migManager, groups: operatorGroups, labels: map[string]string{"nvidia.com/gpu.product": "NVIDIA-B200"},
			want: `nvidia.com/gpu.product="NVIDIA-B200" is not for mig-manager (service accounts gpu-operator/nvidia-mig-manager), which may write only: nvidia.com/gpu.deploy.{device-plugin,`,
		},
		"bundled nfd-master publishes GFD's labels": {
			user: nfdBundled, groups: operatorGroups, labels: map[string]string{"nvidia.com/gpu.product": "x", "nvidia.com/cuda.driver.major": "-"},
		},
		"standalone nfd-master publishes GFD's labels": {
			user: nfdStandalone, labels: map[string]string{"nvidia.com/gfd.timestamp": "1764200000", "nvidia.com/mig-1g.5gb.count": "7"},
		},
		"nfd-master may not pause": {
			user: nfdStandalone, labels: map[string]string{facts.LabelDeployPrefix + "dcgm": "paused-for-mig-change"},
			want: "is not for nfd-master",
		},
		"labeler sets a deploy default": {
			user: labelerU, groups: labelerGroups, extra: map[string][]string{NodeNameExtra: {"gpu-a100-0"}},
			labels: map[string]string{facts.LabelDeployPrefix + "nvsm": "true"},
		},
		"labeler may not switch operands off": {
			user: labelerU, groups: labelerGroups, extra: map[string][]string{NodeNameExtra: {"gpu-a100-0"}},
			labels: map[string]string{facts.LabelDeployPrefix + "operands": "false"},
			want:   "is not for gpuguard-labeler",
		},
		"labeler may not request a MIG config": {
			user: labelerU, groups: labelerGroups, extra: map[string][]string{NodeNameExtra: {"gpu-a100-0"}},
			labels: map[string]string{labelMIGConfig: "all-1g.5gb"},
			want:   "is not for gpuguard-labeler",
		},
		"kubelet registers with gpu.present": {
			user: "system:node:gpu-a100-0", groups: []string{"system:nodes"}, create: true,
			labels: map[string]string{"nvidia.com/gpu.present": "true", facts.LabelDeployPrefix + "driver": "false"},
		},
		"kubelet registers with a product": {
			user: "system:node:gpu-a100-0", groups: []string{"system:nodes"}, create: true,
			labels: map[string]string{"nvidia.com/gpu.product": "x"}, want: "cannot be edited",
		},
		"kubelet of another node": {
			user: "system:node:other", groups: []string{"system:nodes"}, create: true,
			labels: map[string]string{"nvidia.com/gpu.present": "true"}, want: "cannot be edited",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			old := a100()
			r := &Request{Username: tc.user, Groups: tc.groups, Extra: tc.extra, Create: tc.create, Old: old, New: edit(old, tc.labels)}
			if tc.create {
				r.Old = Meta{}
				r.New = edit(Meta{}, tc.labels)
			}
			for k, v := range tc.ann {
				r.New.Annotations[k] = v
			}
			got := validate(t, r)
			if tc.want == "" {
				assert.Empty(t, got.messages)
				return
			}
			require.NotEmpty(t, got.messages)
			assert.Contains(t, strings.Join(got.messages, "\n"), tc.want)
		})
	}
}

func TestMIGStrategyLabel(t *testing.T) {
	p, err := config.Parse("p", []byte("migStrategy: mixed\n"))
	require.NoError(t, err)
	report := func(user, v string) Result {
		old := a100()
		return Check(&Request{Username: user, Extra: map[string][]string{NodeNameExtra: {"gpu-a100-0"}},
			Name: "gpu-a100-0", Policy: p, Old: old, New: edit(old, map[string]string{facts.LabelMIGStrategy: v})})
	}
	agree := report(labelerU, "mixed")
	assert.Empty(t, agree.Violations)
	assert.Empty(t, agree.Warnings)
	assert.Empty(t, agree.Disagreements)
	for _, user := range []string{labelerU, nfdStandalone} {
		for _, v := range []string{"single", "Mixed", "none"} {
			got := report(user, v)
			assert.Empty(t, got.Violations, "a fact writer's report is admitted as reported")
			require.Len(t, got.Disagreements, 1)
			assert.Equal(t, v, got.Disagreements[0].Value)
			assert.Equal(t, "mixed", got.Disagreements[0].Want)
			assert.Contains(t, strings.Join(got.Warnings, "\n"), `disagrees with gpuguard's MIG strategy "mixed"`)
		}
	}
	got := report(person, "mixed")
	require.Len(t, got.Violations, 1)
	assert.Equal(t, config.RuleFactLabels, got.Violations[0].Rule, "a person may not set the strategy label")
	assert.Empty(t, got.Disagreements)
}

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
	single, err := config.Parse("p", []byte("migStrategy: single\n"))
	require.NoError(t, err)
	mixed, err := config.Parse("p", []byte("migStrategy: mixed\n"))
	require.NoError(t, err)
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
			if tc.want == "" {
				assert.Empty(t, got.messages)
			} else {
				require.Len(t, got.messages, 1, "%v", got.messages)
				assert.Contains(t, got.messages[0], tc.want)
				assert.Equal(t, config.RuleMIGConfig, got.rules[0])
			}
			if tc.warning != "" {
				assert.Contains(t, strings.Join(got.warnings, "\n"), tc.warning)
			}
		})
	}
}

func TestIsFact(t *testing.T) {
	for _, k := range []string{"nvidia.com/gpu.product", "nvidia.com/mig-1g.10gb.count", "nvidia.com/mig-1c.3g.40gb.slices.ci",
		"nvidia.com/mig-1g.10gb.me.engines.ofa", "nvidia.com/cuda.driver.rev", "nvidia.com/gfd.timestamp", facts.AnnotationMIGProfiles} {
		assert.True(t, vocab.IsFact(k), k)
	}
	for _, k := range []string{"nvidia.com/gpu.deploy.dcgm", "nvidia.com/mig.config", "nvidia.com/mig.config.state", "nvidia.com/gpu.workload.config", "example.com/gpu.product"} {
		assert.False(t, vocab.IsFact(k), k)
	}
}
