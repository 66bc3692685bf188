package main

import "syscall"

// childAttrs has the kernel kill a webhook process if this one dies
// without stopping it (SIGKILL, a crash): nothing outlives the benchmark.
func childAttrs() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
