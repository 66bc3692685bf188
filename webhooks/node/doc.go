// Package node decides admission of Node creates and updates:
// every identity is held to its rows of the table of writers
// (config/vocab): deploy label values by component and by the manager that
// pauses them, workload.config, MIG config requests, and who may write the
// facts; facts a fact writer reports are admitted as reported, with a
// disagreeing MIG strategy surfaced.
//
// Validate and Check are pure: (request user, old and new labels and
// annotations, policy, MIG configs) → violations, warnings and
// disagreements to report. They judge only the GPU keys a request changes,
// so a label that was already wrong never blocks an unrelated edit.
package node
