package vocab

import (
	"slices"
	"strings"
)

// Table is every writer of Node labels gpuguard knows.
type Table []Writer

// DefaultOperatorNamespace is where a GPU Operator install puts its service
// accounts unless told otherwise (helm install -n gpu-operator).
const DefaultOperatorNamespace = "gpu-operator"

// Writer names of the default table, as the policy's identities.writers
// uses them.
const (
	WriterOperator      = "gpu-operator"
	WriterMIGManager    = "mig-manager"
	WriterDriverManager = "driver-manager"
	WriterVGPUManager   = "vgpu-device-manager"
	WriterCCManager     = "cc-manager"
	WriterNFDMaster     = "nfd-master"
	WriterLabeler       = "gpuguard-labeler"
	WriterKubelet       = "kubelet"
	WriterPeople        = "people"
)

// OperatorWriters are the writers that are the GPU Operator's own
// components; the policy's legacy identities.operator joins all of them.
var OperatorWriters = []string{WriterOperator, WriterMIGManager, WriterDriverManager, WriterVGPUManager, WriterCCManager, WriterNFDMaster}

// TableOptions adapt the default table to an install.
type TableOptions struct {
	// OperatorNamespace is the GPU Operator's namespace. Default
	// DefaultOperatorNamespace.
	OperatorNamespace string
	// Labeler is gpuguard's labeler. Default gpuguard/gpuguard-labeler.
	Labeler Subjects
	// Operator subjects act as every one of OperatorWriters.
	Operator Subjects
	// Extra adds subjects to writers by name.
	Extra map[string]Subjects
}

// Named returns the writer called name.
func (t Table) Named(name string) (*Writer, bool) {
	for i := range t {
		if t[i].Name == name {
			return &t[i], true
		}
	}
	return nil, false
}

// Names lists the writers' names in table order.
func (t Table) Names() []string {
	out := make([]string, len(t))
	for i, w := range t {
		out[i] = w.Name
	}
	return out
}

// For returns the writers the caller acts as: every writer whose identity
// matches, or, when none does, the Anyone writers (people).
func (t Table) For(c Caller) []*Writer {
	var out, anyone []*Writer
	for i := range t {
		w := &t[i]
		switch {
		case w.Anyone:
			anyone = append(anyone, w)
		case w.Matches(c):
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		return anyone
	}
	return out
}

// Pausers returns the writers that pause the component with a value of the
// shape of v: their pause value itself, or composed onto a previous value.
func (t Table) Pausers(component, v string) []*Writer {
	var out []*Writer
	for i := range t {
		w := &t[i]
		for _, r := range w.Rows {
			if r.Values.Pause == "" || !r.Keys.Covers(DeployPrefix+component, false) {
				continue
			}
			if v == r.Values.Pause || (r.Values.Compose && strings.HasSuffix(v, "_"+r.Values.Pause)) {
				out = append(out, w)
				break
			}
		}
	}
	return out
}

// Covering returns the writers with a row naming the key.
func (t Table) Covering(key string, annotation bool) []*Writer {
	var out []*Writer
	for i := range t {
		if !t[i].Anyone && t[i].Covers(key, annotation) {
			out = append(out, &t[i])
		}
	}
	return out
}

// Describe joins writers' descriptions for messages.
func Describe(ws []*Writer) string {
	names := make([]string, len(ws))
	for i, w := range ws {
		names[i] = w.Describe()
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
