// Package scheduling runs workloads on the local stack (harness.StartStack,
// what `make run` starts), where the real kube-scheduler and
// kube-controller-manager decide, and kwok plays the kubelets: it checks where pods land and which component pods exist, the
// outcome gpuguard promises, rather than the objects it writes.
package scheduling
