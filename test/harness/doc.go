// Package harness runs gpuguard against a real control plane: etcd and
// kube-apiserver built from the pinned Kubernetes modules (bin/k8s), started
// through envtest. It backs every end-to-end test and `make run`.
//
// It can run the webhook server in-process on a loopback port, with
// certificates generated into a temporary directory, registering the very
// webhook configurations that installs use (config.Webhooks), and create the
// simulated GPU fleet of SPEC §8.
package harness
