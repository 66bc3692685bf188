// Package node decides admission of Node creates and updates (SPEC §3): the
// values and keys of GPU deploy labels, the MIG strategy label, MIG config
// requests, and who may write the facts the labeler discovers.
//
// Validate is pure: (request user, old and new labels and annotations,
// policy, MIG configs) → violations and warnings. It judges only the GPU
// keys a request changes, so a label that was already wrong never blocks
// an unrelated edit.
package node
