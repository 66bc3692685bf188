// Package compat is the compatibility suite: every writer of the table of
// writers (config/vocab, docs/writers.md) replayed against a real API server
// with gpuguard's webhook and ValidatingAdmissionPolicy installed — as its
// own identity (an impersonated service account bound to the node rights
// of its real ClusterRole), with its real patch type, in the order the
// component writes — on a MIG node and a non-MIG node; and the harmful
// writes, refused with the writer named. Each case names the component and
// the source file it replays.
package compat
