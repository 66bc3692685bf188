package node

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/labeler"
	"github.com/gpuguard/gpuguard/labeler/device"
	"github.com/gpuguard/gpuguard/webhooks/facts"
)

// operatorMIGConfigs is the GPU Operator's own default MIG manager config
// (NVIDIA/gpu-operator assets/state-mig-manager/0400_configmap.yaml), kept
// verbatim as a fixture.
func operatorMIGConfigs(t *testing.T) *MIGConfigFile {
	t.Helper()
	raw, err := os.ReadFile("../../test/fixtures/gpu-operator/default-mig-parted-config.yaml")
	require.NoError(t, err)
	var cm corev1.ConfigMap
	require.NoError(t, yaml.Unmarshal(raw, &cm))
	f, err := ParseMIGConfigFile("ConfigMap gpu-operator/default-mig-parted-config", []byte(cm.Data["config.yaml"]))
	require.NoError(t, err)
	return f
}

// simulatedNode is a node as the real labeler code leaves it for one of
// go-nvml's mock machines: its fact labels and mig-profiles annotation, and
// its GPUs' PCI device IDs in mig-parted's form.
func simulatedNode(t *testing.T, machine string) Meta {
	t.Helper()
	sim, err := device.Simulate(machine)
	require.NoError(t, err)
	snap, err := sim.Reader().Read()
	require.NoError(t, err)
	f, err := labeler.Compute(snap, labeler.Options{MIGStrategy: "mixed"})
	require.NoError(t, err)
	m := Meta{Labels: map[string]string(f.Labels), Annotations: f.Annotations}
	if _, ok := m.Annotations[facts.AnnotationPCIDeviceIDs]; !ok {
		m.Annotations[facts.AnnotationPCIDeviceIDs] = mockDeviceIDs(sim)
	}
	return m
}

// mockDeviceIDs writes the mock GPUs' PciInfo.PciDeviceId as the labeler
// publishes them: "0x%08X", sorted, once each.
func mockDeviceIDs(sim *device.Simulation) string {
	seen := map[string]bool{}
	var ids []string
	for _, d := range sim.Server.Devices {
		id := fmt.Sprintf("0x%08X", d.(*server.Device).Config.PciDeviceId)
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return strings.Join(ids, ",")
}

func withAnnotation(m Meta, key, value string) Meta {
	out := edit(m, nil)
	if value == "-" {
		delete(out.Annotations, key)
	} else {
		out.Annotations[key] = value
	}
	return out
}

func TestMIGConfigResolvedPerGPU(t *testing.T) {
	mixed, single := strategy(t, "mixed"), strategy(t, "single")
	a100, h100, h200 := simulatedNode(t, "dgxa100"), simulatedNode(t, "dgxh100"), simulatedNode(t, "dgxh200")
	require.Equal(t, "0x20B010DE", a100.Annotations[facts.AnnotationPCIDeviceIDs], "go-nvml's dgxa100 is A100-SXM4-40GB")
	require.Equal(t, "0x233010DE", h100.Annotations[facts.AnnotationPCIDeviceIDs], "go-nvml's dgxh100 is H100-SXM5-80GB")

	tests := map[string]struct {
		node    Meta
		value   string
		policy  *config.Policy
		want    string
		warning string
	}{
		// all-balanced lists one entry per GPU model (device-filter); each
		// node gets its own GPUs' entry, not the union of all of them.
		"all-balanced on an A100-40GB node (0x20B010DE entry)": {node: a100, value: "all-balanced", policy: mixed},
		"all-balanced on an H100-80GB node (0x233010DE entry)": {node: h100, value: "all-balanced", policy: mixed},
		"all-balanced under single: three profiles on A100":    {node: a100, value: "all-balanced", policy: single, want: "has 3 (1g.5gb, 2g.10gb, 3g.20gb)"},
		"all-balanced under single: three profiles on H100":    {node: h100, value: "all-balanced", policy: single, want: "has 3 (1g.10gb, 2g.20gb, 3g.40gb)"},
		"all-balanced on a GPU it has no entry for (go-nvml's dgxh200 reports 0x233310DE)": {
			node: h200, value: "all-balanced", policy: mixed, want: "has no entry for the GPUs of node gpu-x (PCI device IDs 0x233310DE)",
		},
		"all-balanced on a node whose GPUs are not known yet": {
			node: withAnnotation(a100, facts.AnnotationPCIDeviceIDs, "-"), value: "all-balanced", policy: mixed,
			warning: "does not say which GPUs it has yet",
		},
		"device IDs compare case-insensitively": {
			node: withAnnotation(a100, facts.AnnotationPCIDeviceIDs, "0x20b010de"), value: "all-balanced", policy: single,
			want: "has 3 (1g.5gb, 2g.10gb, 3g.20gb)",
		},
		"all-1g.10gb picks the A100-40GB entry (1g.10gb x4)": {node: a100, value: "all-1g.10gb", policy: single},
		"a node with a GPU the config has no entry for": {
			node: withAnnotation(a100, facts.AnnotationPCIDeviceIDs, "0x20B010DE,0x233310DE"), value: "all-balanced", policy: mixed,
			warning: "no entry for the GPUs of node gpu-x with PCI device IDs 0x233310DE",
		},
		"an entry without device-filter applies to every GPU: 1g.5gb on H100": {
			node: h100, value: "all-1g.5gb", policy: mixed, want: "MIG profile 1g.5gb is not supported by the GPUs of node gpu-x",
		},
		"all-7g.80gb on H100":                {node: h100, value: "all-7g.80gb", policy: single},
		"a name the file does not have":      {node: a100, value: "all-3g.20gbx", policy: mixed, want: "all-3g.20gbx (MIG configs in ConfigMap gpu-operator/default-mig-parted-config: all-1g.10gb"},
		"all-disabled on a non-MIG GPU node": {node: edit(h100, map[string]string{facts.LabelMIGCapable: "false"}), value: "all-disabled", policy: mixed},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := &Request{Username: person, Name: "gpu-x", Policy: tc.policy, Old: tc.node,
				New: edit(tc.node, map[string]string{labelMIGConfig: tc.value}), MIGConfigs: operatorMIGConfigs(t)}
			got := validate(t, r)
			denied(t, got, config.RuleMIGConfig, tc.want)
			if tc.warning == "" {
				assert.Empty(t, got.warnings)
			} else {
				assert.Contains(t, strings.Join(got.warnings, "\n"), tc.warning)
			}
		})
	}
}

func TestDeviceFilterForms(t *testing.T) {
	f, err := ParseMIGConfigFile("custom", []byte(`version: v1
mig-configs:
  one-id:
    - device-filter: "0x20B010DE"
      devices: all
      mig-enabled: true
      mig-devices: {"1g.5gb": 7}
  subsystem:
    - device-filter: ["0x20B010DE:0x147F10DE"]
      devices: all
      mig-enabled: true
      mig-devices: {"1g.5gb": 7}
`))
	require.NoError(t, err)
	c, _ := f.Lookup("one-id")
	assert.Equal(t, DeviceFilter{"0x20B010DE"}, c[0].DeviceFilter)
	assert.Len(t, resolve(c, []string{"0x20B010DE"}).entries, 1)
	assert.Equal(t, []string{"0x233010DE"}, resolve(c, []string{"0x233010DE"}).untouched)

	c, _ = f.Lookup("subsystem")
	res := resolve(c, []string{"0x20B010DE"})
	assert.Len(t, res.entries, 1, "matched by device ID alone")
	assert.True(t, res.subsystem)

	_, err = ParseMIGConfigFile("bad", []byte("version: v1\nmig-configs:\n  x:\n    - device-filter: 7\n      devices: all\n      mig-enabled: false\n"))
	require.ErrorContains(t, err, "device-filter must be a PCI device ID")
}
