package vocab

import (
	"fmt"
	"strings"
)

// Markdown renders the table for docs/writers.md: one line per row, the
// writer's identity, patch type and source on its first line.
func (t Table) Markdown() string {
	var b strings.Builder
	b.WriteString("| Writer | Identity | Writes with | Keys | Values | Source |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, w := range t {
		for i, r := range w.Rows {
			name, who, patch := "", "", ""
			if i == 0 {
				name, who, patch = "**"+w.Name+"**<br>"+w.Who, identity(w), w.Patch
			}
			keys := "`" + r.Keys.String() + "`"
			if !IsJudgedRow(r) {
				keys += " (never sent to the webhook)"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | `%s` |\n", name, who, patch, keys, escape(r.Values.String()), r.Source)
		}
	}
	return b.String()
}

func identity(w Writer) string {
	var s string
	switch {
	case w.Anyone:
		s = "anyone not above"
	case w.Scope == Registering:
		s = "`system:node:<node>` at CREATE of its own Node"
	default:
		s = strings.ReplaceAll(w.Subjects.String(), "service accounts ", "service accounts `")
		if strings.Contains(s, "`") {
			s = strings.ReplaceAll(s, ", ", "`, `") + "`"
		}
	}
	if w.Scope == OwnNode {
		s += ", only the Node named by its token's `" + NodeNameExtra + "`"
	}
	return s + "<br>(" + w.Source + ")"
}

func escape(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
