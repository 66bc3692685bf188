package node

import (
	"regexp"
	"strings"

	"github.com/gpuguard/gpuguard/webhooks/facts"
)

// Keys this package judges beyond the facts package's.
const (
	labelMIGConfig = "nvidia.com/mig.config"
	// NodeNameExtra is the token extra naming the node a pod runs on.
	NodeNameExtra = "authentication.kubernetes.io/node-name"
)

// nodeFacts are the node-wide fact labels of SPEC §1.1.
var nodeFacts = map[string]bool{
	"nvidia.com/cuda.driver-version.major": true, "nvidia.com/cuda.driver-version.minor": true,
	"nvidia.com/cuda.driver-version.revision": true, "nvidia.com/cuda.driver-version.full": true,
	"nvidia.com/cuda.driver.major": true, "nvidia.com/cuda.driver.minor": true, "nvidia.com/cuda.driver.rev": true,
	"nvidia.com/cuda.runtime-version.major": true, "nvidia.com/cuda.runtime-version.minor": true,
	"nvidia.com/cuda.runtime-version.full": true, "nvidia.com/cuda.runtime.major": true, "nvidia.com/cuda.runtime.minor": true,
	"nvidia.com/gpu.machine": true, "nvidia.com/mig.capable": true, "nvidia.com/mps.capable": true,
	"nvidia.com/vgpu.present": true, "nvidia.com/gpu.mode": true, "nvidia.com/gpu.family": true,
	"nvidia.com/gpu.compute.major": true, "nvidia.com/gpu.compute.minor": true,
	"nvidia.com/gfd.timestamp": true, facts.LabelGPUPresent: true, facts.LabelMIGStrategy: true,
}

// resourceFact matches the per-resource fact labels: nvidia.com/gpu.<attr>
// and nvidia.com/mig-<profile>.<attr>.
var resourceFact = regexp.MustCompile(`^nvidia\.com/(gpu|mig-[0-9]+(c\.[0-9]+)?g\.[0-9]+gb[a-z.-]*?)\.` +
	`(product|count|replicas|sharing-strategy|memory|multiprocessors|slices\.gi|slices\.ci|` +
	`engines\.copy|engines\.decoder|engines\.encoder|engines\.jpeg|engines\.ofa)$`)

// isFact reports whether a label or annotation key is discovered from the
// hardware. Other nvidia.com/ keys (operator state, requests such as
// mig.config) are not facts and are left to their owners.
func isFact(key string) bool {
	return nodeFacts[key] || key == facts.AnnotationMIGProfiles || key == facts.AnnotationPCIDeviceIDs || resourceFact.MatchString(key)
}

// keyChanged reports whether key was added, removed or changed its value.
func keyChanged(old, cur map[string]string, key string) bool {
	ov, had := old[key]
	nv, has := cur[key]
	return had != has || ov != nv
}

// changed lists the keys with the prefix whose presence or value differs.
func changed(old, cur map[string]string, prefix string) []string {
	var keys []string
	for k, v := range cur {
		if strings.HasPrefix(k, prefix) {
			if ov, ok := old[k]; !ok || ov != v {
				keys = append(keys, k)
			}
		}
	}
	for k := range old {
		if _, ok := cur[k]; !ok && strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	return keys
}
