//go:build unix

package perf_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user and system) this process has used so far,
// all threads and the garbage collector included. On a machine shared with
// other work, it measures what an operation costs where wall time measures
// how long it waited for a CPU.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
