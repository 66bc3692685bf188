package server_test

import (
	"testing"

	"github.com/gpuguard/gpuguard/config"
)

const seedDaemonSet = `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1",
"kind":{"group":"apps","version":"v1","kind":"DaemonSet"},"namespace":"gpu-operator","operation":"CREATE","userInfo":{"username":"alice"},
"object":{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"dcgm-exporter","labels":{"gpuguard.io/component":"dcgm-exporter"}},
"spec":{"template":{"spec":{"containers":[{"name":"e","image":"dcgm-exporter","env":[{"name":"MIG_STRATEGY","value":"single"}]}]}}}}}}`

func FuzzDaemonSetAdmission(f *testing.F) {
	f.Add([]byte(seedDaemonSet), true)
	f.Add([]byte(seedDaemonSet), false)
	f.Add([]byte(`{"request":{"kind":{"group":"apps","kind":"DaemonSet"},"operation":"UPDATE","object":{"metadata":{"labels":{"gpuguard.io/component":"dcgm-exporer"}}}}}`), false)
	f.Fuzz(mutateOrValidate(config.PathMutateDaemonSets, config.PathValidateDaemonSets))
}
