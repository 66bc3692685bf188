package vocab

import (
	"slices"
	"strings"
)

// PausedPrefix starts every value a GPU Operator component writes while it
// pauses another: paused-for-<reason>.
const PausedPrefix = "paused-for-"

// Change is one key's change in a write.
type Change struct {
	Old string
	Had bool
	New string
	Has bool
}

// Removed reports whether the write removes the key. An empty value counts
// as absent: the GPU Operator treats it so, and k8s-driver-manager writes ""
// when it pauses a component that was never deployed.
func (c Change) Removed() bool { return !c.Has || c.New == "" }

// Values says which values a row allows.
type Values struct {
	// Any value.
	Any bool
	// Plain allows the component's plain values (ComponentValues).
	Plain bool
	// Only these values.
	Only []string
	// Pause is a paused-for-<reason> value the writer writes while it
	// pauses the component, and takes back.
	Pause string
	// Compose: the pause is written as <previous>_<Pause> over a value
	// other than true, false or "" (previous may itself be paused), and
	// taken back by removing the suffix (k8s-driver-manager, k8s-cc-manager).
	Compose bool
	// Remove allows removing the key or setting it to "".
	Remove bool
	// WhenAbsent allows a value only where the Node has none yet.
	WhenAbsent bool
}

// Allows reports whether a change of a key of component (for deploy labels;
// "" otherwise) is one of these values.
func (v Values) Allows(component string, ch Change) bool {
	if v.WhenAbsent && ch.Had && ch.Old != "" {
		return false
	}
	if ch.Removed() {
		return v.Remove || v.Any
	}
	switch {
	case v.Any, slices.Contains(v.Only, ch.New):
		return true
	case v.Plain && slices.Contains(ComponentValues(component), ch.New):
		return true
	case v.Pause == "":
		return false
	case ch.New == v.Pause:
		return true
	case !v.Compose:
		return false
	}
	if prev, ok := strings.CutSuffix(ch.New, "_"+v.Pause); ok && ValidPrevious(component, prev) {
		return true
	}
	return ch.Had && strings.Contains(ch.Old, v.Pause) && ch.New == Unpause(ch.Old, v.Pause)
}

// ValidPrevious reports whether prev can stand before a composed pause: a
// plain value of the component or a (possibly composed) paused value, such
// as paused-for-mig-change left by an interrupted MIG reconfiguration.
func ValidPrevious(component, prev string) bool {
	parts := strings.Split(prev, "_")
	if !slices.Contains(ComponentValues(component), parts[0]) && !strings.HasPrefix(parts[0], PausedPrefix) {
		return false
	}
	for _, p := range parts[1:] {
		if !strings.HasPrefix(p, PausedPrefix) || len(p) == len(PausedPrefix) {
			return false
		}
	}
	return true
}

// Compose returns the value a composing writer sets to pause a component
// whose value is cur (k8s-driver-manager maybeSetPaused).
func Compose(cur, pause string) string {
	switch {
	case cur == "", cur == ValueFalse:
		return cur
	case cur == ValueTrue:
		return pause
	case strings.Contains(cur, pause):
		return cur
	}
	return cur + "_" + pause
}

// Unpause returns the value a composing writer restores from cur
// (k8s-driver-manager maybeSetTrue, k8s-cc-manager _maybe_set_unpaused).
func Unpause(cur, pause string) string {
	if cur == pause {
		return ValueTrue
	}
	out := strings.ReplaceAll(cur, pause+"_", "")
	out = strings.ReplaceAll(out, pause, "")
	return strings.Trim(out, "_")
}

// String describes the values for messages and docs.
func (v Values) String() string {
	var parts []string
	switch {
	case v.Any:
		parts = append(parts, "any value")
	case v.Plain:
		parts = append(parts, "the component's values (true, false; pre-installed on driver)")
	}
	parts = append(parts, v.Only...)
	if v.Pause != "" {
		if v.Compose {
			parts = append(parts, v.Pause+" or <previous>_"+v.Pause+", and back")
		} else {
			parts = append(parts, v.Pause)
		}
	}
	if v.Remove {
		parts = append(parts, "removal")
	}
	s := strings.Join(parts, " | ")
	if v.WhenAbsent {
		s += " (only where absent)"
	}
	return s
}
