package compat

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/gpuguard/gpuguard/test/harness"
)

var stack *harness.Stack

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	var err error
	if stack, err = harness.StartStack(context.Background(), harness.StackOptions{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		if err := stack.Stop(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}()
	if err := grantRealRoles(context.Background(), stack.ControlPlane); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}
