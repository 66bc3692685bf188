package pod

import (
	"slices"
	"strings"

	"github.com/gpuguard/gpuguard/webhooks/affinity"
	"github.com/gpuguard/gpuguard/webhooks/facts"
)

// migProfiles are the MIG devices a pod requests (nvidia.com/mig-<profile>
// resources): only nodes whose GPUs support every one can run it.
type migProfiles []string

// clause is nil: the scheduler places MIG resources by their capacity.
func (m migProfiles) clause() affinity.Clause { return nil }

func (m migProfiles) satisfiedBy(o facts.Offer) bool {
	supported := strings.Split(o.MIGProfiles, ",")
	for _, p := range m {
		if !slices.Contains(supported, p) {
			return false
		}
	}
	return true
}

func (m migProfiles) String() string { return "MIG profile " + strings.Join(m, " and ") }
