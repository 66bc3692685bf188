// Package device reads GPU facts through NVML (go-nvml) into plain values.
//
// It owns the only code that calls NVML: a small project-owned interface,
// Reader, with go-nvml as the implementation, against either the real
// library or one of go-nvml's mock servers (tests and --simulate). It must
// not know about labels or Kubernetes.
package device
