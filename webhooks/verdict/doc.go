// Package verdict is the vocabulary of gpuguard's admission decisions: a
// Verdict collects violations (each naming the policy rule it breaks),
// warnings and a JSON patch; Enforce applies the policy's enforcement.
//
// It is a leaf: the decisions (webhooks/node, webhooks/pod,
// webhooks/daemonset) build verdicts and webhooks/admit answers them. It
// must not know about HTTP, admission requests or metrics.
package verdict
