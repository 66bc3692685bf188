// Package config owns gpuguard's policy: its Go types, defaults, validation,
// loading from a file and reloading on change. Beside it, config/helm holds
// the Helm chart that installs everything; tests and `make run` render that
// chart, so installs and tests register the very same objects.
//
// It must not talk to the API server or know how the webhooks decide: it only
// describes what the operator configured.
package config
