package compat

import (
	"context"
	"os"
	"testing"

	"github.com/gpuguard/gpuguard/test/harness"
)

var stack *harness.Stack

func TestMain(m *testing.M) {
	os.Exit(harness.Main(m, harness.StackOptions{}, func(s *harness.Stack) error {
		stack = s
		return grantRealRoles(context.Background(), s.ControlPlane)
	}))
}
