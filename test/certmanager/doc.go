// Package certmanager runs gpuguard in cert-manager mode against a real API
// server: cert-manager's own controllers and cainjector run in-process (from
// the github.com/cert-manager/cert-manager module), issue the serving
// certificate from the Helm chart's Issuer chain and inject its CA.
package certmanager
