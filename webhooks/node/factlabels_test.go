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
	p := strategy(t, "mixed")
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

func TestIsFact(t *testing.T) {
	for _, k := range []string{"nvidia.com/gpu.product", "nvidia.com/mig-1g.10gb.count", "nvidia.com/mig-1c.3g.40gb.slices.ci",
		"nvidia.com/mig-1g.10gb.me.engines.ofa", "nvidia.com/cuda.driver.rev", "nvidia.com/gfd.timestamp", facts.AnnotationMIGProfiles} {
		assert.True(t, vocab.IsFact(k), k)
	}
	for _, k := range []string{"nvidia.com/gpu.deploy.dcgm", "nvidia.com/mig.config", "nvidia.com/mig.config.state", "nvidia.com/gpu.workload.config", "example.com/gpu.product"} {
		assert.False(t, vocab.IsFact(k), k)
	}
}
