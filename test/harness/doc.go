// Package harness runs gpuguard against a real control plane: etcd and
// kube-apiserver built from the pinned Kubernetes modules (bin/k8s), started
// through envtest, with the real kube-scheduler and kube-controller-manager
// (each with its own client certificate identity) and kwok playing the
// kubelets of the simulated nodes. It backs every end-to-end test and
// `make run`.
//
// It renders the Helm chart (RenderChart) and installs what the chart
// installs: RBAC, the policy and the webhook configurations, the latter
// pointed at a webhook server running in-process on a loopback port as the
// chart's service account, with self-managed certificates. It runs the real
// labeler code against go-nvml mock servers for the simulated fleet of
// DefaultFleet, each as the labeler's service account of its node. For outage
// tests a Proxy can stand between the configurations and the server, taking
// the webhook away as the API server sees it (refused, frozen).
package harness
