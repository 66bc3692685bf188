// Package clusterpolicy follows the GPU Operator's ClusterPolicy
// (clusterpolicies.nvidia.com/v1, cluster-scoped; NVIDIA/gpu-operator
// config/crd/bases/nvidia.com_clusterpolicies.yaml) for the one fact gpuguard
// shares with it: spec.mig.strategy. It resolves the policy's migStrategy
// (auto, or an explicit value) against it, and reports a disagreement with a
// log line, a metric and an Event, once per change.
//
// It owns the watch (a plain unstructured list-and-watch: no scheme, no
// operator types), the resolution rule and the report. It must not decide
// admissions, write the ClusterPolicy, or need the operator to be installed:
// without the CRD, auto means none.
package clusterpolicy
