package config

// Webhook paths served by the webhook server; the Helm chart's webhook
// configurations (config/helm/gpuguard/templates/webhooks.yaml) name the same.
const (
	PathValidateNodes      = "/validate-nodes"
	PathValidatePods       = "/validate-pods"
	PathMutatePods         = "/mutate-pods"
	PathValidateDaemonSets = "/validate-daemonsets"
	PathMutateDaemonSets   = "/mutate-daemonsets"
)

// LabelerServiceAccount is the labeler's identity when the chart is
// installed as release "gpuguard" in namespace "gpuguard".
const LabelerServiceAccount = "gpuguard/gpuguard-labeler"
