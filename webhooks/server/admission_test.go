package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/admit"
	"github.com/gpuguard/gpuguard/webhooks/admit/admittest"
	"github.com/gpuguard/gpuguard/webhooks/daemonset"
	"github.com/gpuguard/gpuguard/webhooks/facts"
	"github.com/gpuguard/gpuguard/webhooks/pod"
	"github.com/gpuguard/gpuguard/webhooks/server"
)

// The GPU nodes of the full-path tests: an H100 and an A100 node.
var offers = []pod.Offer{
	{Offer: facts.Offer{Product: "NVIDIA-H100-80GB-HBM3", Family: "hopper", MemoryMiB: 81559, ComputeMajor: 9, CUDAMajor: 13,
		MIGProfiles: "1g.10gb,1g.10gb.me,1g.20gb,2g.20gb,3g.40gb,4g.40gb,7g.80gb"}, Nodes: 1},
	{Offer: facts.Offer{Product: "NVIDIA-A100-SXM4-40GB", Family: "ampere", MemoryMiB: 40960, ComputeMajor: 8, CUDAMajor: 12, CUDAMinor: 4,
		MIGProfiles: "1g.10gb,1g.5gb,1g.5gb.me,2g.10gb,3g.20gb,4g.20gb,7g.40gb"}, Nodes: 1},
}

// missing says no RuntimeClass exists.
func missing(context.Context, string) (bool, error) { return false, nil }

// handler is the server's handler at path, as served, under the default
// policy: no RuntimeClass exists, no node enables any component, no MIG
// config file is read and nothing is reported.
func handler(path string) http.Handler {
	pol := config.Default()
	h := server.Handlers(server.Deps{
		Policy:    func() *config.Policy { return pol },
		Metrics:   admit.NewMetrics(nil),
		Pod:       pod.Env{RuntimeClassExists: missing, Offers: func() []pod.Offer { return offers }},
		DaemonSet: daemonset.Env{RuntimeClassExists: missing, EnabledNodes: func(string) int { return 0 }},
	})[path]
	if h == nil {
		panic(fmt.Sprintf("no handler at %s", path))
	}
	return server.Admission(path, h)
}

// mutateOrValidate is a fuzz body that checks each input against the
// mutating or the validating handler of a kind, as the fuzzer chooses.
func mutateOrValidate(mutatePath, validatePath string) func(*testing.T, []byte, bool) {
	mutate, validate := handler(mutatePath), handler(validatePath)
	return func(t *testing.T, body []byte, isMutate bool) {
		if isMutate {
			admittest.Check(t, mutate, body)
			return
		}
		admittest.Check(t, validate, body)
	}
}

// review is an AdmissionReview of a core-group kind with the given
// request fields; object and oldObject are left out when nil.
func review(kind, resource, op, name string, object, oldObject any) []byte {
	req := map[string]any{
		"uid": "1", "kind": map[string]string{"version": "v1", "kind": kind},
		"resource": map[string]string{"version": "v1", "resource": resource},
		"name":     name, "namespace": "ml", "operation": op, "userInfo": map[string]any{"username": "alice"},
		"object": object,
	}
	if oldObject != nil {
		req["oldObject"] = oldObject
	}
	raw, err := json.Marshal(map[string]any{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": req})
	if err != nil {
		panic(err)
	}
	return raw
}
