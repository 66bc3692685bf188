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
			denied(t, got, config.RuleDeployLabels, tc.want)
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
			denied(t, got, config.RuleDeployLabels, want)
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
