package vocab_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gpuguard/gpuguard/config/vocab"
	"github.com/gpuguard/gpuguard/labeler"
	"github.com/gpuguard/gpuguard/labeler/device"
)

// TestLabelerKeysAreProtectedFacts ties the labeler to the node webhook:
// every fact key the labeler can write is a fact the webhook protects
// (IsFact), and every protected fact family is one the labeler writes.
func TestLabelerKeysAreProtectedFacts(t *testing.T) {
	written := map[string]bool{}
	for _, sim := range []string{"dgxh100", "dgxa100", "dgxa100,mig=1g.5gb"} {
		for _, strategy := range []string{"none", "single", "mixed"} {
			s, err := device.Simulate(sim)
			require.NoError(t, err)
			snap, err := s.Reader().Read()
			require.NoError(t, err)
			f, err := labeler.Compute(snap, labeler.Options{MIGStrategy: strategy, Timestamp: 1764200000})
			require.NoError(t, err)
			for k := range f.Labels {
				assert.True(t, vocab.IsFact(k), "the labeler writes %s (%s, %s), which the webhook does not protect", k, sim, strategy)
				written[family(k)] = true
			}
			for k := range f.Annotations {
				assert.True(t, vocab.IsFact(k), "annotation %s", k)
				written[k] = true
			}
			for k := range f.Deploy {
				assert.True(t, strings.HasPrefix(k, vocab.DeployPrefix), k)
				assert.False(t, vocab.IsFact(k), k)
			}
		}
	}
	for _, k := range vocab.NodeFacts {
		assert.True(t, written[k], "the webhook protects %s, which the labeler never writes", k)
	}
	for _, a := range vocab.ResourceAttributes {
		assert.True(t, written["<R>."+a], "the webhook protects <R>.%s, which the labeler never writes", a)
	}
	// gpuguard.io/pci-device-ids is written beside Compute's facts (labeler/run.go).
	assert.True(t, written[vocab.AnnotationMIGProfiles], vocab.AnnotationMIGProfiles)
}

// family maps per-resource facts (nvidia.com/gpu.<attr>,
// nvidia.com/mig-<profile>.<attr>) to "<R>.<attr>".
func family(k string) string {
	for _, a := range vocab.ResourceAttributes {
		if strings.HasSuffix(k, "."+a) && (k == "nvidia.com/gpu."+a || strings.HasPrefix(k, vocab.MIGResourcePrefix)) {
			return "<R>." + a
		}
	}
	return k
}
