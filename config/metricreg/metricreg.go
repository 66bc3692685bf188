// Package metricreg registers gpuguard's Prometheus metrics, once per
// registry, for every package that defines some (the webhooks' decisions,
// the webhook server, the MIG strategy report of both binaries).
package metricreg

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Register registers c with reg and returns it (reg nil: c, unregistered).
// When reg already holds the same metric, registered by another server of
// the same process (tests run several), that collector is returned
// instead, so the servers of one process count together. A metric of the
// same name but another shape is a gpuguard bug and panics, as
// prometheus.MustRegister does.
func Register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if reg == nil {
		return c
	}
	err := reg.Register(c)
	if err == nil {
		return c
	}
	var dup prometheus.AlreadyRegisteredError
	if errors.As(err, &dup) {
		if existing, ok := dup.ExistingCollector.(C); ok {
			return existing
		}
	}
	panic(err)
}
