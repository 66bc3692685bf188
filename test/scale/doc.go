// Command scale is `make bench-scale`: it measures the webhook server on a
// real API server with 100 and then 5,000 simulated GPU nodes of four kinds,
// each labelled by the labeler's own code (labeler.Compute and
// labeler.NodeWriter) as the labeler's identity on that node. Nodes are
// created directly, without kwok heartbeats: 5,000 simulated kubelets would
// measure kwok on a 2-core machine, not gpuguard.
//
// It reports the webhook's resident memory, the time its node informer takes
// to sync, the latency GPU pod creates gain from the webhooks (each GPU pod
// create is paired with a CPU pod create, which never reaches them, sent
// right after it through the same client) and the same for a node label
// edit. Pod creates are server-side dry runs, so nothing accumulates. It is
// a benchmark, not a test: it prints figures and asserts nothing.
package main
