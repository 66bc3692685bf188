// Package config owns gpuguard's policy: its Go types, defaults, validation,
// loading from a file and reloading on change. It also embeds the install
// manifests (webhook configurations) so that tests, `make run` and real
// installs register the very same objects.
//
// It must not talk to the API server or know how the webhooks decide: it only
// describes what the operator configured.
package config
