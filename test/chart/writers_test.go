package chart

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/config/vocab"
	"github.com/gpuguard/gpuguard/test/harness"
)

func policyOf(t *testing.T, r *harness.Rendered) *config.Policy {
	t.Helper()
	cms := harness.OfType[*corev1.ConfigMap](r)
	require.Len(t, cms, 1)
	p, err := config.Parse("chart", []byte(cms[0].Data["policy.yaml"]))
	require.NoError(t, err, "the chart renders a valid policy:\n%s", cms[0].Data["policy.yaml"])
	return p
}

// TestIdentitiesFromValuesAreMerged (issue 9 item 7): identities given in
// values join the computed ones (this release's labeler, nfd.serviceAccounts),
// never replace them — under a release name other than gpuguard.
func TestIdentitiesFromValuesAreMerged(t *testing.T) {
	r, err := harness.RenderRelease("gpu-guard", "guard-system",
		"gpuOperator.namespace=nvidia-gpu-operator",
		"nfd.serviceAccounts[0]=openshift-nfd/nfd-master",
		"policy.identities.labeler.serviceAccounts[0]=other/extra-labeler",
		"policy.identities.writers.mig-manager.users[0]=mig-admin",
		"policy.identities.writers.nfd-master.serviceAccounts[0]=nfd/custom")
	require.NoError(t, err)
	p := policyOf(t, r)
	assert.Equal(t, "nvidia-gpu-operator", p.GPUOperatorNamespace)
	assert.ElementsMatch(t, []string{"guard-system/gpu-guard-labeler", "other/extra-labeler"}, p.Identities.Labeler.ServiceAccounts)
	assert.ElementsMatch(t, []string{"nfd/custom", "openshift-nfd/nfd-master"}, p.Identities.Writers[vocab.WriterNFDMaster].ServiceAccounts)
	assert.Equal(t, []string{"mig-admin"}, p.Identities.Writers[vocab.WriterMIGManager].Users)

	tab := p.Writers()
	sa := func(ns, name string) vocab.Caller {
		return vocab.Caller{Username: vocab.ServiceAccountPrefix + ns + ":" + name}
	}
	for _, tc := range []struct {
		caller vocab.Caller
		want   string
	}{
		{sa("guard-system", "gpu-guard-labeler"), vocab.WriterLabeler},
		{sa("nvidia-gpu-operator", "nvidia-mig-manager"), vocab.WriterMIGManager},
		{sa("openshift-nfd", "nfd-master"), vocab.WriterNFDMaster},
		{sa("nvidia-gpu-operator", "node-feature-discovery"), vocab.WriterNFDMaster},
		{sa("gpu-operator", "nvidia-mig-manager"), vocab.WriterPeople},
	} {
		assert.Equal(t, tc.want, tab.For(tc.caller)[0].Name, tc.caller.Username)
	}

	// Without identities in values the labeler is still this release's.
	r, err = harness.RenderRelease("gpu-guard", "guard-system")
	require.NoError(t, err)
	p = policyOf(t, r)
	assert.Equal(t, []string{"guard-system/gpu-guard-labeler"}, p.Identities.Labeler.ServiceAccounts)
	assert.Equal(t, vocab.DefaultOperatorNamespace, p.GPUOperatorNamespace)

	vaps := harness.OfType[*admissionregistrationv1.ValidatingAdmissionPolicy](r)
	require.Len(t, vaps, 1)
	assert.Contains(t, vaps[0].Spec.MatchConditions[0].Expression, "system:serviceaccount:guard-system:gpu-guard-labeler")
	require.Len(t, harness.OfType[*admissionregistrationv1.ValidatingAdmissionPolicyBinding](r), 1)
}

// TestJudgedLabelTemplate: the chart's matchConditions select the label keys
// of config/vocab. GPUGUARD_UPDATE=1 regenerates _judged.tpl.
func TestJudgedLabelTemplate(t *testing.T) {
	path := filepath.Join("..", "..", "config", "helm", "gpuguard", "templates", "_judged.tpl")
	want := `{{- /* Generated from config/vocab (CELJudgedLabel); do not edit. After changing the vocabulary run: GPUGUARD_UPDATE=1 go test ./test/chart -run TestJudgedLabelTemplate */ -}}
{{- define "gpuguard.judgedLabel" -}}
` + vocab.CELJudgedLabel("k") + `
{{- end }}
`
	if os.Getenv("GPUGUARD_UPDATE") == "1" {
		require.NoError(t, os.WriteFile(path, []byte(want), 0o644))
	}
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, want, string(got))
	for _, v := range harness.OfType[*admissionregistrationv1.ValidatingWebhookConfiguration](render(t)) {
		for _, w := range v.Webhooks {
			if w.Name == "nodes.gpuguard.io" {
				require.Len(t, w.MatchConditions, 1)
				assert.Contains(t, w.MatchConditions[0].Expression, vocab.CELJudgedLabel("k"))
			}
		}
	}
}
