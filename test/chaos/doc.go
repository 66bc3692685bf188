// Package chaos creates GPU and CPU pods through a real API server while
// the webhook is unreachable, stopped and restarted, and frozen, under both
// pod failure policies, and checks what each create gives: CPU pods never
// notice; GPU pods fail closed with Fail or pass unmutated with Ignore; once
// the webhook is back every GPU pod is mutated again. It has a stack of its
// own (harness.Main with a proxy in front of the webhook server), so no
// outage reaches the tests of another package.
package chaos
