package vocab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestComposeAndUnpauseAsTheManagersDo(t *testing.T) {
	const drv, cc = PausedForDriverUpgrade, PausedForCCModeChange
	// NVIDIA/k8s-driver-manager cmd/driver-manager/main.go maybeSetPaused/maybeSetTrue.
	for cur, paused := range map[string]string{
		"": "", "false": "false", "true": drv, drv: drv,
		PausedForMIGChange:             PausedForMIGChange + "_" + drv,
		"pre-installed":                "pre-installed_" + drv,
		PausedForMIGChange + "_" + drv: PausedForMIGChange + "_" + drv,
		drv + "_" + cc:                 drv + "_" + cc,
		"paused-for-vgpu-change":       "paused-for-vgpu-change_" + drv,
		"paused-for-vgpu-change_" + cc: "paused-for-vgpu-change_" + cc + "_" + drv,
	} {
		assert.Equal(t, paused, Compose(cur, drv), cur)
		if cur != "" && cur != "false" && cur != "true" && !strings.Contains(cur, drv) {
			assert.Equal(t, cur, Unpause(paused, drv), "restores %q", cur)
		}
	}
	assert.Equal(t, "true", Unpause(drv, drv))
	assert.Equal(t, drv, Unpause(drv+"_"+cc, cc), "k8s-cc-manager _maybe_set_unpaused")
}

func TestValuesAllow(t *testing.T) {
	pause := Values{Pause: PausedForDriverUpgrade, Compose: true, Only: []string{"true", "false"}}
	for _, tc := range []struct {
		comp, old, new string
		want           bool
	}{
		{"dcgm", "true", PausedForDriverUpgrade, true},
		{"dcgm", PausedForMIGChange, PausedForMIGChange + "_" + PausedForDriverUpgrade, true},
		{"dcgm", "", "maybe_" + PausedForDriverUpgrade, false},
		{"dcgm", "", "_" + PausedForDriverUpgrade, false},
		{"dcgm", PausedForMIGChange + "_" + PausedForDriverUpgrade, PausedForMIGChange, true},
		{"dcgm", PausedForMIGChange, "pre-installed", false},
		{"driver", "", "pre-installed_" + PausedForDriverUpgrade, true},
		{"dcgm", "", PausedForMIGChange, false},
	} {
		assert.Equal(t, tc.want, pause.Allows(tc.comp, Change{Old: tc.old, Had: tc.old != "", New: tc.new, Has: true}), "%+v", tc)
	}
	once := Values{Only: []string{"all-disabled"}, WhenAbsent: true}
	assert.True(t, once.Allows("", Change{New: "all-disabled", Has: true}))
	assert.False(t, once.Allows("", Change{Old: "all-1g.5gb", Had: true, New: "all-disabled", Has: true}))
}

// TestMatchConditionsSelectTheJudgedKeys: every key the webhook judges is
// sent by the matchConditions, and none of the GPU Operator's state keys.
func TestMatchConditionsSelectTheJudgedKeys(t *testing.T) {
	judged := append(JudgedExactLabels(), DeployPrefix+"dcgm", "nvidia.com/mig-1g.5gb.count", "nvidia.com/mig-3g.20gb.engines.ofa")
	for _, k := range judged {
		assert.True(t, IsJudgedLabel(k), k)
		assert.True(t, MatchesLabel(k), k)
	}
	for _, k := range []string{LabelMIGConfigState, LabelUpgradeState, LabelVGPUConfigState, LabelCCModeState, LabelCCReadyState,
		"nvidia.com/cc.mode", "nvidia.com/vgpu.config", LabelNFDFeaturePrefix + "pci-10de.present", "nvidia.com/gpu-driver-upgrade.skip",
		"nvidia.com/driver-manager.node-initial-state.unschedulable", "kubernetes.io/hostname"} {
		assert.False(t, IsJudgedLabel(k), k)
		assert.False(t, MatchesLabel(k), k)
	}
}

// TestEveryWriterRowCitesItsSource keeps the table honest.
func TestEveryWriterRowCitesItsSource(t *testing.T) {
	tab := DefaultTable(TableOptions{})
	for _, w := range tab {
		assert.NotEmpty(t, w.Source, w.Name)
		assert.NotEmpty(t, w.Patch, w.Name)
		for _, r := range w.Rows {
			assert.NotEmpty(t, r.Source, w.Name)
		}
	}
	assert.Equal(t, []string{WriterOperator, WriterMIGManager, WriterDriverManager, WriterVGPUManager, WriterCCManager,
		WriterNFDMaster, WriterLabeler, WriterKubelet, WriterPeople}, tab.Names())
}

func TestTableForCaller(t *testing.T) {
	tab := DefaultTable(TableOptions{OperatorNamespace: "nvidia-gpu-operator",
		Extra: map[string]Subjects{WriterNFDMaster: {ServiceAccounts: []string{"openshift-nfd/nfd-master"}}}})
	sa := func(ns, name string) Caller { return Caller{Username: ServiceAccountPrefix + ns + ":" + name} }
	name := func(c Caller) string { return tab.For(c)[0].Name }
	assert.Equal(t, WriterMIGManager, name(sa("nvidia-gpu-operator", "nvidia-mig-manager")))
	assert.Equal(t, WriterPeople, name(sa("gpu-operator", "nvidia-mig-manager")), "another namespace is nobody special")
	assert.Equal(t, WriterNFDMaster, name(sa("openshift-nfd", "nfd-master")))
	assert.Equal(t, WriterNFDMaster, name(sa("node-feature-discovery", "nfd-master")))
	assert.Equal(t, WriterKubelet, name(Caller{Username: "system:node:n1", Groups: []string{"system:nodes"}, Create: true, Node: "n1"}))
	assert.Equal(t, WriterPeople, name(Caller{Username: "system:node:n1", Groups: []string{"system:nodes"}, Node: "n1"}))
	assert.Equal(t, []string{WriterMIGManager}, names(tab.Pausers("dcgm", PausedForMIGChange)))
	assert.Equal(t, []string{WriterDriverManager}, names(tab.Pausers("dcgm", "false_"+PausedForDriverUpgrade)))
	assert.Empty(t, tab.Pausers("driver", PausedForMIGChange))
}

func names(ws []*Writer) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Name
	}
	return out
}

// TestWritersDoc: docs/writers.md carries the table as the code has it.
// GPUGUARD_UPDATE=1 rewrites it.
func TestWritersDoc(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "writers.md")
	want := WritersDoc()
	if os.Getenv("GPUGUARD_UPDATE") == "1" {
		require.NoError(t, os.WriteFile(path, []byte(want), 0o644))
	}
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, want, string(got), "docs/writers.md is out of date: run GPUGUARD_UPDATE=1 go test ./config/vocab -run TestWritersDoc")
}
