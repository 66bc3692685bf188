// Package pod decides admission of GPU Pods: the mutation that
// injects the runtime class, GPU node affinity (from gpuguard.io/*
// annotations too) and GPU taint tolerations, and the validation of MIG
// resources, annotations and whether any node can run the pod at all.
//
// Mutate and Validate are pure; facts come from the facts index, whose
// aggregates keep the cost of a decision independent of cluster size.
package pod
