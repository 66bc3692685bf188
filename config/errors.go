package config

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ErrInvalidPolicy is matched (errors.Is) by every policy that fails to parse
// or validate, so callers can tell a bad file from an unreadable one.
var ErrInvalidPolicy = errors.New("invalid gpuguard policy")

// ValidationError lists every problem of one policy file.
type ValidationError struct {
	// Source names the file (or "policy" for in-memory data).
	Source string
	// Errors holds each problem with its field path.
	Errors field.ErrorList
}

// Error lists every problem on its own line, followed by what to do.
func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s has %d problem(s):", ErrInvalidPolicy, e.Source, len(e.Errors))
	for _, fe := range e.Errors {
		fmt.Fprintf(&b, "\n  - %s", fe.Error())
	}
	b.WriteString("\nfix the fields named above (see the policy reference in docs/policy.md)")
	return b.String()
}

// Is makes errors.Is(err, ErrInvalidPolicy) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidPolicy }

func sortErrors(errs field.ErrorList) {
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Field < errs[j].Field })
}
