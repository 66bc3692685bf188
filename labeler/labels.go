package labeler

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Labels maps label keys to values.
type Labels map[string]string

// Labeler produces labels.
type Labeler interface {
	Labels() (Labels, error)
}

// Labels makes Labels a Labeler of itself.
func (l Labels) Labels() (Labels, error) { return l, nil }

// Merge returns a Labeler whose labels are those of every labeler in
// order, later ones winning on equal keys. The first error is returned
// with the labels gathered so far discarded: callers keep the last good set.
func Merge(ls ...Labeler) Labeler { return list(ls) }

type list []Labeler

func (ls list) Labels() (Labels, error) {
	out := Labels{}
	for _, l := range ls {
		got, err := l.Labels()
		if err != nil {
			return nil, err
		}
		maps.Copy(out, got)
	}
	return out, nil
}

// String renders the labels as sorted "key=value" lines, the format of
// GFD's feature file.
func (l Labels) String() string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(l)) {
		fmt.Fprintf(&b, "%s=%s\n", k, l[k])
	}
	return b.String()
}
