// Package docs holds gpuguard's own description of its behaviour, as
// Markdown linked from the README: what each webhook does, every message a
// user can meet, the policy reference, the labels and the decisions. It has
// no code; its test keeps every link inside the repository.
package docs
