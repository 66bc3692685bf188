// Package certs provides the webhook server's serving certificate: a Source
// serves the current certificate to each TLS handshake (so a rotation never
// drops a connection) and reports readiness until one is loaded.
//
// FileSource reads tls.crt/tls.key that cert-manager writes into a mounted
// Secret. SelfManaged generates a CA and a serving certificate, keeps them in
// one Secret that every replica converges on, injects the CA bundle into
// gpuguard's webhook configurations, and rotates both before they expire.
// It must not decide admission or know about labels.
package certs
