package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
)

func TestWebhookManifests(t *testing.T) {
	muts, vals, err := Webhooks()
	require.NoError(t, err)
	require.Len(t, vals, 1)
	require.Len(t, muts, 1)
	paths := map[string]bool{}
	for _, w := range vals[0].Webhooks {
		paths[*w.ClientConfig.Service.Path] = true
		assert.Equal(t, admissionregistrationv1.SideEffectClassNone, *w.SideEffects, w.Name)
		assert.LessOrEqual(t, *w.TimeoutSeconds, int32(5), w.Name)
	}
	for _, w := range muts[0].Webhooks {
		paths[*w.ClientConfig.Service.Path] = true
		assert.Equal(t, admissionregistrationv1.IfNeededReinvocationPolicy, *w.ReinvocationPolicy, w.Name)
	}
	for _, p := range []string{PathValidateNodes, PathValidatePods, PathMutatePods, PathValidateDaemonSets, PathMutateDaemonSets} {
		assert.True(t, paths[p], "a webhook serves %s", p)
	}
	node := vals[0].Webhooks[0]
	assert.Equal(t, admissionregistrationv1.Fail, *node.FailurePolicy)
	require.Len(t, node.MatchConditions, 1)
	assert.Contains(t, node.MatchConditions[0].Expression, "nvidia.com/")
}

func TestRBACManifests(t *testing.T) {
	roles, bindings, err := RBAC()
	require.NoError(t, err)
	require.Len(t, roles, 2)
	require.Len(t, bindings, 2)
	for _, r := range roles {
		for _, rule := range r.Rules {
			assert.NotContains(t, rule.Verbs, "*", r.Name)
			assert.NotContains(t, rule.Resources, "*", r.Name)
		}
	}
	assert.Equal(t, "gpuguard-labeler", bindings[0].Subjects[0].Name)
}

func TestWebhooksForPolicy(t *testing.T) {
	p, err := Parse("p", []byte("podFailurePolicy: Fail\n"))
	require.NoError(t, err)
	muts, vals, err := WebhooksFor(p)
	require.NoError(t, err)
	for _, w := range muts[0].Webhooks {
		if w.Name == podWebhookName {
			assert.Equal(t, admissionregistrationv1.Fail, *w.FailurePolicy)
		}
	}
	for _, w := range vals[0].Webhooks {
		if w.Name == podWebhookName {
			assert.Equal(t, admissionregistrationv1.Fail, *w.FailurePolicy)
		}
	}
	_, vals, err = WebhooksFor(Default())
	require.NoError(t, err)
	assert.Equal(t, admissionregistrationv1.Ignore, *vals[0].Webhooks[1].FailurePolicy, "default Ignore")
}
