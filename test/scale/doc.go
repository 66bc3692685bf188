// Command scale is `make bench-scale`: it measures gpuguard-webhook on a
// real API server with a small fleet (100 nodes), a large one (5,000) and
// the small one again, each of four kinds of simulated GPU node labelled by
// the labeler's own code (labeler.Compute and labeler.NodeWriter) as the
// labeler's identity on that node. Nodes are created directly, without kwok
// heartbeats: 5,000 simulated kubelets would measure kwok on a 2-core
// machine, not gpuguard.
//
// The webhook is the real binary, built from this tree and run as its own
// process per measurement, as a Deployment's container runs it: file
// certificates, a kubeconfig acting as the chart's webhook service account,
// metrics on loopback. Its memory is read from /proc/<pid>/status and its
// CPU time from /proc/<pid>/stat, so neither counts this process's load
// generator or node writers. Each measurement reports:
//
//   - exec to /readyz 200, which waits for the Node informer's first list;
//   - resident memory (now and peak) and the Go heap after the load;
//   - the latency GPU pod creates gain from the webhooks: each GPU pod
//     create is paired with a CPU pod create, which never reaches them,
//     sent right after it through the same client (server-side dry runs, so
//     nothing accumulates); the added p50 of each round, and its median;
//   - the same for a deploy-label edit of a Node (judged by the node
//     webhook) against an edit the node webhook's matchConditions skip;
//   - per operation, the webhook handlers' time (controller-runtime's
//     histogram) and the process's CPU time.
//
// The small fleet is measured before and after the large one (the extra
// nodes deleted in one DeleteCollection), so drift in the machine's load
// shows, and the ratio compares the large fleet's median with the median of
// both. It is a benchmark, not a test: it prints figures and asserts
// nothing. It reads /proc, so it runs on Linux.
package main
