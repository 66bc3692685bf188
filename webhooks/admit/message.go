package admit

import (
	"errors"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// MaxListed bounds how many violations a denial names (in its message and
// its causes) and how many warnings an answer carries. A request can break
// one rule per label or annotation — tens of thousands — and a person fixes
// the first few before reading on; the rest are counted ("and N more"). The
// bound keeps the answer's size and the time to build it independent of how
// many labels a request sends.
const MaxListed = 20

// denial is the Forbidden status of a denial by the named webhook: the
// first MaxListed distinct violations, then how many more there are. It
// formats at most MaxListed errors, so its cost does not grow with len(deny)
// beyond one pass over the list (field.ErrorList.ToAggregate formats every
// error and builds its message by repeated concatenation).
//
// Forbidden, not Invalid: kubectl rebuilds an Invalid message from its causes
// alone, which would hide who refused. The causes still carry each listed
// field error for API clients.
func denial(gr schema.GroupResource, name, webhook string, deny field.ErrorList) metav1.Status {
	var b strings.Builder
	b.WriteString("gpuguard ")
	b.WriteString(webhook)
	b.WriteString(" rules: ")
	listed := make([]*field.Error, 0, min(len(deny), MaxListed))
	seen := make(map[string]bool, MaxListed)
	var msgs []string
	rest := 0
	for i, e := range deny {
		if len(listed) == MaxListed {
			rest = len(deny) - i
			break
		}
		msg := e.Error()
		if seen[msg] {
			continue // the same problem reported twice reads as one
		}
		seen[msg] = true
		listed = append(listed, e)
		msgs = append(msgs, msg)
	}
	if len(msgs) == 1 && rest == 0 {
		b.WriteString(msgs[0])
	} else {
		b.WriteByte('[')
		b.WriteString(strings.Join(msgs, ", "))
		if rest > 0 {
			b.WriteString(", and ")
			b.WriteString(strconv.Itoa(rest))
			b.WriteString(" more")
		}
		b.WriteByte(']')
	}
	status := apierrors.NewForbidden(gr, name, errors.New(b.String())).Status()
	status.Details.Causes = make([]metav1.StatusCause, len(listed))
	for i, e := range listed {
		status.Details.Causes[i] = metav1.StatusCause{Type: metav1.CauseType(e.Type), Message: e.ErrorBody(), Field: e.Field}
	}
	return status
}

// boundWarnings keeps the first MaxListed warnings and says how many more
// there were.
func boundWarnings(w []string) []string {
	if len(w) <= MaxListed {
		return w
	}
	return append(w[:MaxListed:MaxListed], "gpuguard: and "+strconv.Itoa(len(w)-MaxListed)+" more warnings")
}
