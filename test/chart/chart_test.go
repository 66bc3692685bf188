// Package chart checks what the Helm chart renders, in both certificate
// modes, without a cluster.
package chart

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/config/vocab"
	"github.com/gpuguard/gpuguard/test/harness"
)

func render(t *testing.T, set ...string) *harness.Rendered {
	t.Helper()
	r, err := harness.RenderChart(set...)
	require.NoError(t, err)
	return r
}

func TestSecurityContexts(t *testing.T) {
	r := render(t)
	var specs []corev1.PodSpec
	for _, d := range harness.OfType[*appsv1.Deployment](r) {
		specs = append(specs, d.Spec.Template.Spec)
	}
	for _, d := range harness.OfType[*appsv1.DaemonSet](r) {
		specs = append(specs, d.Spec.Template.Spec)
	}
	require.Len(t, specs, 2, "webhook Deployment and labeler DaemonSet")
	for _, s := range specs {
		assert.True(t, *s.SecurityContext.RunAsNonRoot)
		for _, c := range s.Containers {
			sc := c.SecurityContext
			require.NotNil(t, sc, c.Name)
			assert.True(t, *sc.RunAsNonRoot, c.Name)
			assert.False(t, *sc.AllowPrivilegeEscalation, c.Name)
			assert.True(t, *sc.ReadOnlyRootFilesystem, c.Name)
			assert.Equal(t, []corev1.Capability{"ALL"}, sc.Capabilities.Drop, c.Name)
			assert.Nil(t, sc.Privileged, c.Name)
			assert.NotNil(t, c.Resources.Limits.Memory(), c.Name)
		}
	}
	dep := harness.OfType[*appsv1.Deployment](r)[0]
	assert.Equal(t, int32(2), *dep.Spec.Replicas)
	assert.Len(t, dep.Spec.Template.Spec.TopologySpreadConstraints, 2)
	assert.NotNil(t, dep.Spec.Template.Spec.Containers[0].ReadinessProbe)

	ds := harness.OfType[*appsv1.DaemonSet](r)[0]
	terms := ds.Spec.Template.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	require.Len(t, terms, 2)
	assert.Equal(t, "feature.node.kubernetes.io/pci-10de.present", terms[0].MatchExpressions[0].Key)
	assert.Equal(t, "nvidia.com/gpu.present", terms[1].MatchExpressions[0].Key)
	assert.Equal(t, "nvidia", *ds.Spec.Template.Spec.RuntimeClassName)
}

// A PodDisruptionBudget never blocks a drain: with one replica there is
// none, with more one replica may go (issue 11: minAvailable 1 with one
// replica blocked every drain).
func TestPodDisruptionBudget(t *testing.T) {
	pdbs := harness.OfType[*policyv1.PodDisruptionBudget](render(t))
	require.Len(t, pdbs, 1)
	assert.Nil(t, pdbs[0].Spec.MinAvailable)
	assert.Equal(t, 1, pdbs[0].Spec.MaxUnavailable.IntValue())
	assert.Empty(t, harness.OfType[*policyv1.PodDisruptionBudget](render(t, "webhook.replicas=1")))
}

// values.schema.json refuses what would render a broken install.
func TestValuesSchema(t *testing.T) {
	for _, bad := range []string{"podFailurePolicy=Fial", "mig.strategy=Mixed", "webhook.replicas=0", "webhook.timeoutSeconds=60",
		"labeler.sleepInterval=soon", "image.pullPolicy=Sometimes", "networkPolicy.enabled=maybe",
		"gpuOperator.namespace=", "nfd.serviceAccounts[0]=nfd-master"} {
		_, err := harness.RenderChart(bad)
		assert.ErrorContains(t, err, "values don't meet the specifications of the schema", bad)
	}
	render(t, "podFailurePolicy=Fail", "mig.strategy=mixed", "labeler.sleepInterval=1m30s", "someNewSection.key=x")
}

func TestPriorityProbesAndDrain(t *testing.T) {
	r := render(t)
	dep := harness.OfType[*appsv1.Deployment](r)[0].Spec.Template.Spec
	assert.Equal(t, "system-cluster-critical", dep.PriorityClassName)
	c := dep.Containers[0]
	require.NotNil(t, c.Lifecycle)
	require.NotNil(t, c.Lifecycle.PreStop.Sleep, "preStop keeps the pod serving while endpoints move")
	assert.Positive(t, c.Lifecycle.PreStop.Sleep.Seconds)
	assert.Greater(t, *dep.TerminationGracePeriodSeconds, c.Lifecycle.PreStop.Sleep.Seconds+5+15, "room for preStop, drain and in-flight reviews")
	for _, p := range c.Ports {
		assert.NotEqual(t, "metrics", p.Name, "metrics stay on loopback")
	}
	for _, svc := range harness.OfType[*corev1.Service](r) {
		for _, p := range svc.Spec.Ports {
			assert.Equal(t, "https", p.Name, "the Service publishes only the webhook port")
		}
	}

	ds := harness.OfType[*appsv1.DaemonSet](r)[0].Spec.Template.Spec
	assert.Equal(t, "system-node-critical", ds.PriorityClassName)
	lab := ds.Containers[0]
	require.NotNil(t, lab.LivenessProbe)
	require.NotNil(t, lab.ReadinessProbe)
	assert.Equal(t, "/healthz", lab.LivenessProbe.HTTPGet.Path)
	assert.Equal(t, "/readyz", lab.ReadinessProbe.HTTPGet.Path)

	none := render(t, "webhook.priorityClassName=", "labeler.priorityClassName=")
	assert.Empty(t, harness.OfType[*appsv1.Deployment](none)[0].Spec.Template.Spec.PriorityClassName)
	assert.Empty(t, harness.OfType[*appsv1.DaemonSet](none)[0].Spec.Template.Spec.PriorityClassName)
}

func TestNetworkPolicy(t *testing.T) {
	nps := harness.OfType[*networkingv1.NetworkPolicy](render(t, "networkPolicy.apiServerCIDRs={10.0.0.10/32,10.0.0.11/32}"))
	require.Len(t, nps, 1)
	np := nps[0].Spec
	assert.Equal(t, "webhook", np.PodSelector.MatchLabels["app.kubernetes.io/component"])
	require.Len(t, np.Ingress, 1)
	require.Len(t, np.Ingress[0].Ports, 1)
	assert.Equal(t, 9443, np.Ingress[0].Ports[0].Port.IntValue(), "only the webhook port is open")
	require.Len(t, np.Ingress[0].From, 2)
	assert.Equal(t, "10.0.0.10/32", np.Ingress[0].From[0].IPBlock.CIDR, "and only to the API server")
	assert.Empty(t, harness.OfType[*networkingv1.NetworkPolicy](render(t, "networkPolicy.enabled=false")))
}

// The webhook reads no ConfigMap cluster-wide: only the MIG manager's, by
// name, when the policy names one (issue 11: it could read every ConfigMap).
func TestConfigMapAccessByName(t *testing.T) {
	for _, cr := range harness.OfType[*rbacv1.ClusterRole](render(t)) {
		for _, rule := range cr.Rules {
			assert.NotContains(t, rule.Resources, "configmaps", cr.Name)
		}
	}
	r := render(t, "policy.migConfig.configMap.namespace=gpu-operator", "policy.migConfig.configMap.name=default-mig-parted-config",
		"policy.migConfig.configMap.key=config.yaml")
	var found bool
	for _, role := range harness.OfType[*rbacv1.Role](r) {
		for _, rule := range role.Rules {
			if slices.Contains(rule.Resources, "configmaps") {
				found = true
				assert.Equal(t, "gpu-operator", role.Namespace)
				assert.Equal(t, []string{"default-mig-parted-config"}, rule.ResourceNames)
				assert.Equal(t, []string{"get"}, rule.Verbs)
			}
		}
	}
	assert.True(t, found, "a Role grants the named ConfigMap")
}

func TestRBACHasNoWildcards(t *testing.T) {
	for _, mode := range []string{"certManager.enabled=false", "certManager.enabled=true"} {
		r := render(t, mode)
		var rules []rbacv1.PolicyRule
		for _, cr := range harness.OfType[*rbacv1.ClusterRole](r) {
			rules = append(rules, cr.Rules...)
		}
		for _, role := range harness.OfType[*rbacv1.Role](r) {
			rules = append(rules, role.Rules...)
		}
		require.NotEmpty(t, rules)
		for _, rule := range rules {
			for _, list := range [][]string{rule.Verbs, rule.Resources, rule.APIGroups} {
				assert.NotContains(t, list, "*", "%s: %+v", mode, rule)
			}
			for _, v := range rule.Verbs {
				assert.NotContains(t, []string{"delete", "deletecollection", "escalate", "bind", "impersonate"}, v, "%s: %+v", mode, rule)
			}
		}
	}
	// Self-managed certificates need Secrets and caBundle patches; with
	// cert-manager the webhook needs neither.
	assert.Empty(t, harness.OfType[*rbacv1.Role](render(t, "certManager.enabled=true")))
	assert.Len(t, harness.OfType[*rbacv1.Role](render(t)), 1)
}

func TestWebhookConfigurations(t *testing.T) {
	r := render(t, "podFailurePolicy=Fail")
	vals := harness.OfType[*admissionregistrationv1.ValidatingWebhookConfiguration](r)
	muts := harness.OfType[*admissionregistrationv1.MutatingWebhookConfiguration](r)
	require.Len(t, vals, 1)
	require.Len(t, muts, 1)
	paths := map[string]bool{}
	for _, w := range vals[0].Webhooks {
		paths[*w.ClientConfig.Service.Path] = true
		assert.Equal(t, admissionregistrationv1.SideEffectClassNone, *w.SideEffects, w.Name)
		assert.LessOrEqual(t, *w.TimeoutSeconds, int32(5), w.Name)
		assert.Equal(t, admissionregistrationv1.Fail, *w.FailurePolicy, w.Name)
	}
	for _, w := range muts[0].Webhooks {
		paths[*w.ClientConfig.Service.Path] = true
		assert.Equal(t, admissionregistrationv1.IfNeededReinvocationPolicy, *w.ReinvocationPolicy, w.Name)
	}
	for _, p := range []string{config.PathValidateNodes, config.PathValidatePods, config.PathMutatePods, config.PathValidateDaemonSets, config.PathMutateDaemonSets} {
		assert.True(t, paths[p], "a webhook serves %s", p)
	}
	node := vals[0].Webhooks[0]
	assert.Equal(t, []admissionregistrationv1.OperationType{"CREATE", "UPDATE"}, node.Rules[0].Operations)
	assert.Equal(t, []string{"nodes", "nodes/status"}, node.Rules[0].Resources)
	require.Len(t, node.MatchConditions, 1)
	assert.Contains(t, node.MatchConditions[0].Expression, vocab.CELJudgedLabel("k"), "only judged keys (issue 9)")
	assert.Contains(t, node.MatchConditions[0].Expression, "k.startsWith('gpuguard.io/')")
	pods := vals[0].Webhooks[1]
	require.Len(t, pods.MatchConditions, 1)
	assert.Contains(t, pods.MatchConditions[0].Expression, "initContainers")
	excluded := pods.NamespaceSelector.MatchExpressions[0]
	assert.Equal(t, "kubernetes.io/metadata.name", excluded.Key)
	assert.Equal(t, []string{"kube-system", "gpuguard"}, excluded.Values)
	ds := vals[0].Webhooks[2]
	assert.Equal(t, "gpuguard.io/component", ds.ObjectSelector.MatchExpressions[0].Key)

	def := harness.OfType[*admissionregistrationv1.ValidatingWebhookConfiguration](render(t))[0]
	assert.Equal(t, admissionregistrationv1.Ignore, *def.Webhooks[1].FailurePolicy, "pods default to Ignore")
}

func TestCertManagerMode(t *testing.T) {
	r := render(t, "certManager.enabled=true")
	var kinds []string
	for _, o := range r.Other {
		kinds = append(kinds, o["kind"].(string)+"/"+o["metadata"].(map[string]any)["name"].(string))
	}
	// helm orders output by kind.
	assert.Equal(t, []string{"Certificate/gpuguard-ca", "Certificate/gpuguard-webhook", "Issuer/gpuguard-selfsigned", "Issuer/gpuguard-ca"}, kinds)
	for _, v := range harness.OfType[*admissionregistrationv1.ValidatingWebhookConfiguration](r) {
		assert.Equal(t, "gpuguard/gpuguard-webhook", v.Annotations["cert-manager.io/inject-ca-from"])
	}
	for _, m := range harness.OfType[*admissionregistrationv1.MutatingWebhookConfiguration](r) {
		assert.Equal(t, "gpuguard/gpuguard-webhook", m.Annotations["cert-manager.io/inject-ca-from"])
	}
	assert.Empty(t, render(t).Other, "no cert-manager objects without cert-manager")
}

func TestPolicyFromValues(t *testing.T) {
	r := render(t, "mig.strategy=single", "runtimeClassName=nvidia-cdi", "policy.enforcement.unsatisfiable=deny")
	cms := harness.OfType[*corev1.ConfigMap](r)
	require.Len(t, cms, 1)
	p, err := config.Parse("chart", []byte(cms[0].Data["policy.yaml"]))
	require.NoError(t, err, "the chart renders a valid policy")
	assert.Equal(t, config.MIGStrategySingle, p.MIGStrategy)
	assert.Equal(t, "nvidia-cdi", p.RuntimeClass())
	assert.Equal(t, config.Deny, p.Enforcement.Mode(config.RuleUnsatisfiable))
	assert.Equal(t, []string{config.LabelerServiceAccount}, p.Identities.Labeler.ServiceAccounts)

	ds := harness.OfType[*appsv1.DaemonSet](r)[0]
	assert.True(t, slices.ContainsFunc(ds.Spec.Template.Spec.Containers[0].Args, func(a string) bool {
		return strings.HasPrefix(a, "--mig-strategy=single")
	}), "the labeler's strategy comes from the same value")
}

// TestMIGStrategyAuto: by default both the policy and the labeler follow the
// GPU Operator's ClusterPolicy, and both may read it.
func TestMIGStrategyAuto(t *testing.T) {
	r := render(t)
	cms := harness.OfType[*corev1.ConfigMap](r)
	require.Len(t, cms, 1)
	p, err := config.Parse("chart", []byte(cms[0].Data["policy.yaml"]))
	require.NoError(t, err)
	assert.Equal(t, config.MIGStrategyAuto, p.MIGStrategy)
	ds := harness.OfType[*appsv1.DaemonSet](r)[0]
	assert.Contains(t, ds.Spec.Template.Spec.Containers[0].Args, "--mig-strategy=auto")

	for _, cr := range harness.OfType[*rbacv1.ClusterRole](r) {
		assert.True(t, slices.ContainsFunc(cr.Rules, func(rule rbacv1.PolicyRule) bool {
			return slices.Equal(rule.APIGroups, []string{"nvidia.com"}) && slices.Equal(rule.Resources, []string{"clusterpolicies"}) &&
				slices.Equal(rule.Verbs, []string{"get", "list", "watch"})
		}), "ClusterRole %s reads ClusterPolicies", cr.Name)
	}
}

// Deploy defaults are off unless asked for (the GPU Operator writes its
// own); the facts mode comes from labeler.factsFrom.
func TestLabelerCoexistenceValues(t *testing.T) {
	args := func(set ...string) []string {
		return harness.OfType[*appsv1.DaemonSet](render(t, set...))[0].Spec.Template.Spec.Containers[0].Args
	}
	def := args()
	assert.Contains(t, def, "--no-deploy-defaults")
	assert.Contains(t, def, "--facts-from=auto")
	on := args("labeler.deployDefaults=true", "labeler.factsFrom=self")
	assert.NotContains(t, on, "--no-deploy-defaults")
	assert.Contains(t, on, "--facts-from=self")
}
