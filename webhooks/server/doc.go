// Package server wires gpuguard's webhook server: a controller-runtime
// manager with the webhook server (TLS ≥ 1.2, HTTP/2 off, certificates
// reloaded from disk), health and readiness checks, metrics, the policy
// watcher and the Node facts index, and registers each admission handler on
// its path.
//
// It owns wiring only: decisions live in the per-kind packages under
// webhooks/, and HTTP/decoding in the admission adapter.
package server
