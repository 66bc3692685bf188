// Package admit is the one adapter between gpuguard's pure admission
// decisions (webhooks/node, webhooks/pod, webhooks/daemonset) and
// controller-runtime. For each webhook a Spec names the kind and operations
// it admits, how its object is decoded and the decision; the Handler checks
// the kind and operation (ErrUnexpectedRequest), decodes, decides, applies
// the policy's enforcement, turns what denies into a bounded 403 listing
// the problems, passes warnings and patches on, and counts denials and
// warnings by rule into the Metrics it is given.
//
// Serve puts a handler on HTTP as controller-runtime's admission.Webhook,
// reading the API server's plain AdmissionReviews itself (see Serve).
//
// HTTP, decoding and status codes live here and nowhere else; the
// vocabulary of decisions is webhooks/verdict.
package admit
