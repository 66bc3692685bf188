package vocab

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The GPU Operator's deploy defaults for container workloads
// (NVIDIA/gpu-operator controllers/state_manager.go, gpuStateLabels), with
// mig-manager only on MIG-capable nodes.
func TestDefaultDeployComponents(t *testing.T) {
	container := []string{"driver", "container-toolkit", "device-plugin", "gpu-feature-discovery",
		"dcgm", "dcgm-exporter", "node-status-exporter", "operator-validator"}
	assert.Equal(t, container, DefaultDeployComponents(false))
	assert.Equal(t, append(container, "mig-manager"), DefaultDeployComponents(true))
}

func TestComponentValues(t *testing.T) {
	assert.Equal(t, []string{ValueTrue, ValueFalse, ValuePreInstalled}, ComponentValues("driver"))
	assert.Equal(t, DefaultValues, ComponentValues("dcgm"))
	assert.Equal(t, DefaultValues, ComponentValues("my-exporter"), "a policy-added component")
	for _, c := range Components() {
		assert.NotEmpty(t, c.Values, c.Name)
	}
}
