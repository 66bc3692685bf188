//go:build !linux

package main

import "syscall"

// childAttrs: only Linux can tie a child's life to its parent's; elsewhere
// the deferred stop is all there is (and /proc, read for memory, is Linux's).
func childAttrs() *syscall.SysProcAttr { return nil }
