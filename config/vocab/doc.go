// Package vocab is gpuguard's vocabulary of Node labels and annotations: the
// keys, which of them are facts discovered from the hardware, the GPU
// Operator's component catalogue (deploy components and the values each
// takes), and the one table of writers — who may write which keys with which
// values on a Node, each row citing the NVIDIA or Kubernetes source it was
// read from.
//
// The node webhook judges writes against this table, the chart's
// matchConditions and docs/writers.md are checked against it, and the
// compatibility suite (test/compat) replays every row against a real API
// server. Adding a writer is adding one Writer to DefaultTable.
//
// It is a leaf: it imports nothing of gpuguard's, talks to no API server and
// decides no admission by itself; it only answers questions about keys,
// values and writers.
package vocab
