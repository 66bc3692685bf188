package pod

import (
	"testing"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/admit/admittest"
)

const seedPod = `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1",
"kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},
"namespace":"ml","operation":"CREATE","userInfo":{"username":"alice"},
"object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"train","annotations":{"gpuguard.io/gpu-memory-min":"60Gi","gpuguard.io/compute-capability-min":"8.6"}},
"spec":{"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"zone","operator":"In","values":["a"]}]}]}}},
"containers":[{"name":"main","image":"cuda","resources":{"limits":{"nvidia.com/gpu":"1"}}}]}}}}`

func FuzzPodAdmission(f *testing.F) {
	f.Add([]byte(seedPod), true)
	f.Add([]byte(seedPod), false)
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"2","kind":{"kind":"Pod"},"operation":"CREATE","object":{"spec":{"initContainers":[{"resources":{"requests":{"nvidia.com/mig-1g.5gb":"1"}}}]}}}}`), true)
	f.Add([]byte(`{"request":{"kind":{"kind":"Pod"},"operation":"CREATE","object":{"metadata":{"annotations":{"gpuguard.io/cuda-min":"x.y"}}}}}`), false)
	pol := config.Default()
	e := env(false, h100, a100)
	mutate := admittest.Handler("pod-mutate", DecideMutate(e), pol)
	validate := admittest.Handler("pod", DecideValidate(e), pol)
	f.Fuzz(func(t *testing.T, body []byte, isMutate bool) {
		if isMutate {
			admittest.Check(t, mutate, body)
			return
		}
		admittest.Check(t, validate, body)
	})
}
