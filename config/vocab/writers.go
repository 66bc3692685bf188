package vocab

import (
	"fmt"
	"slices"
	"strings"
)

// Scope limits which Nodes a writer may write.
type Scope int

const (
	// AnyNode is a controller that writes every Node.
	AnyNode Scope = iota
	// OwnNode writes only the Node named by the token's NodeNameExtra (a
	// DaemonSet pod such as gpuguard's labeler).
	OwnNode
	// Registering is a kubelet creating its own Node (system:node:<name>),
	// CREATE only.
	Registering
)

// Writer is one identity that writes Node labels, with the rows it may write.
type Writer struct {
	// Name identifies the writer in messages, docs and the policy's
	// identities.writers.
	Name string
	// Who says what the writer is, for people reading messages and docs.
	Who string
	// Subjects are the identities the writer acts as.
	Subjects Subjects
	// Anyone makes this the writer of every identity no other writer
	// matches: people, cluster admins included.
	Anyone bool
	Scope  Scope
	// Patch is how the writer sends its writes (merge, strategic, json,
	// update, apply), as its source does; the compatibility suite replays it.
	Patch string
	// Source is the file the writer's identity and patch type come from.
	Source string
	Rows   []Row
}

// Row is one family of keys a writer may write, and the values.
type Row struct {
	Keys   Keys
	Values Values
	// Source is the repository and file the row was read from.
	Source string
}

// KeyKind says how a Keys selects keys.
type KeyKind int

// Kinds of key selection.
const (
	// KeyExact is the one key Name.
	KeyExact KeyKind = iota
	// KeyDeploy is nvidia.com/gpu.deploy.<c> for each of Components, or
	// for every component when Components is empty.
	KeyDeploy
	// KeyFacts is every fact label (IsFact).
	KeyFacts
	// KeyAnnotations is every gpuguard.io/ annotation, facts included.
	KeyAnnotations
)

// Keys selects label or annotation keys.
type Keys struct {
	Kind       KeyKind
	Name       string
	Components []string
}

// Exact selects one label.
func Exact(key string) Keys { return Keys{Kind: KeyExact, Name: key} }

// Deploy selects the deploy labels of the components, every one if none.
func Deploy(components ...string) Keys { return Keys{Kind: KeyDeploy, Components: components} }

// Annotation reports whether the keys are annotations.
func (k Keys) Annotation() bool { return k.Kind == KeyAnnotations }

// Covers reports whether the keys select a label (annotation false) or an
// annotation (annotation true).
func (k Keys) Covers(key string, annotation bool) bool {
	if annotation != k.Annotation() {
		return false
	}
	switch k.Kind {
	case KeyExact:
		return key == k.Name
	case KeyDeploy:
		c, ok := strings.CutPrefix(key, DeployPrefix)
		return ok && (len(k.Components) == 0 || slices.Contains(k.Components, c))
	case KeyFacts:
		return IsFact(key)
	case KeyAnnotations:
		return strings.HasPrefix(key, AnnotationPrefix)
	}
	return false
}

func (k Keys) String() string {
	switch k.Kind {
	case KeyDeploy:
		if len(k.Components) == 0 {
			return DeployPrefix + "<every component>"
		}
		return DeployPrefix + "{" + strings.Join(k.Components, ",") + "}"
	case KeyFacts:
		return "fact labels (" + LabelPrefix + "gpu.product, cuda.*, mig.strategy, …)"
	case KeyAnnotations:
		return AnnotationPrefix + "* annotations"
	}
	return k.Name
}

// Caller is who sends a write, and to which Node.
type Caller struct {
	Username string
	Groups   []string
	Extra    map[string][]string
	// Create is true for CREATE.
	Create bool
	// Node is the written Node's name.
	Node string
}

// TokenNode is the node named in the caller's token, "" when none.
func (c Caller) TokenNode() string {
	if v := c.Extra[NodeNameExtra]; len(v) == 1 {
		return v[0]
	}
	return ""
}

// Matches reports whether the caller acts as the writer. A Registering
// writer matches only a kubelet creating its own Node; OwnNode writers match
// by subjects on any node (the node is checked by the caller, to say why).
func (w *Writer) Matches(c Caller) bool {
	if w.Scope == Registering {
		return c.Create && c.Username == "system:node:"+c.Node && slices.Contains(c.Groups, "system:nodes")
	}
	return w.Subjects.Match(c.Username, c.Groups)
}

// Describe names the writer and its identities for messages.
func (w *Writer) Describe() string {
	if w.Anyone || w.Scope == Registering || w.Subjects.Empty() {
		return w.Name
	}
	return fmt.Sprintf("%s (%s)", w.Name, w.Subjects)
}

// Allows reports whether one of the writer's rows allows the change of key.
func (w *Writer) Allows(key string, annotation bool, ch Change) bool {
	for _, r := range w.Rows {
		if r.Keys.Covers(key, annotation) && r.Values.Allows(componentOf(key), ch) {
			return true
		}
	}
	return false
}

// Covers reports whether one of the writer's rows names the key at all.
func (w *Writer) Covers(key string, annotation bool) bool {
	for _, r := range w.Rows {
		if r.Keys.Covers(key, annotation) {
			return true
		}
	}
	return false
}

// Summary lists what the writer may write, for refusals.
func (w *Writer) Summary() string {
	parts := make([]string, 0, len(w.Rows))
	for _, r := range w.Rows {
		if IsJudgedRow(r) {
			parts = append(parts, r.Keys.String()+" = "+r.Values.String())
		}
	}
	return strings.Join(parts, "; ")
}

// IsJudgedRow reports whether the node webhook ever sees the row's keys.
func IsJudgedRow(r Row) bool {
	switch r.Keys.Kind {
	case KeyExact:
		return IsJudgedLabel(r.Keys.Name)
	default:
		return true
	}
}

func componentOf(key string) string {
	c, _ := strings.CutPrefix(key, DeployPrefix)
	return c
}
