package node

import (
	"testing"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/facts"
)

func BenchmarkValidate(b *testing.B) {
	old := a100()
	r := &Request{Username: person, Name: "gpu-a100-0", Policy: config.Default(), Old: old,
		New: edit(old, map[string]string{facts.LabelDeployPrefix + "dcgm-exporter": "False", labelMIGConfig: "all-1g.5gb"})}
	b.ReportAllocs()
	for b.Loop() {
		Validate(r)
	}
}
