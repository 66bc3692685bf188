// Package facts keeps an in-memory index of the GPU facts that the labeler
// writes onto Nodes, fed by a metadata-only Node informer, so that admission
// decisions never list or scan Nodes.
//
// It owns parsing fact labels into typed values and the aggregates the
// webhooks consult (which GPU offers exist, which components are enabled
// where). It must not decide admission: it only answers questions.
package facts
