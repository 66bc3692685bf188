package chaos

import (
	"os"
	"testing"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/gpuguard/gpuguard/test/harness"
)

var stack *harness.Stack

func TestMain(m *testing.M) {
	// controller-runtime's own loggers (the admission handlers'), quiet as
	// the harness's: outcomes are checked, not logged.
	ctrllog.SetLogger(logr.Discard())
	// One GPU node (offers for the pods to match) and one CPU node; the
	// pods never schedule, so no more are needed.
	fleet := []harness.FakeNode{
		{Name: "gpu-h100-0", Simulate: "dgxh100", Kubelet: true},
		{Name: "cpu-0", Kubelet: true},
	}
	os.Exit(harness.Main(m, harness.StackOptions{Fleet: fleet, Proxy: true}, func(s *harness.Stack) error {
		stack = s
		return nil
	}))
}
