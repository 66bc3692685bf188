// Package admit is the one adapter between gpuguard's pure admission
// decisions (webhooks/node, webhooks/pod, webhooks/daemonset) and
// controller-runtime: it decodes requests, turns violations into a 422
// Invalid status listing every problem, passes warnings and patches on, and
// counts denials and warnings by rule.
//
// HTTP, decoding and status codes live here and nowhere else.
package admit
