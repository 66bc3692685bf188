package node

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/config/vocab"
	"github.com/gpuguard/gpuguard/webhooks/verdict"
)

// Meta is what the rules read of a Node: its labels and annotations.
type Meta struct {
	Labels      map[string]string
	Annotations map[string]string
}

// Request is one Node admission, decoded.
type Request struct {
	// Create is true for CREATE, false for UPDATE.
	Create   bool
	Username string
	Groups   []string
	Extra    map[string][]string
	// Name is the Node's name.
	Name     string
	Old, New Meta
	Policy   *config.Policy
	// MIGConfigs resolves named MIG configs; nil when the policy names no
	// MIG manager config file.
	MIGConfigs MIGConfigs
}

// Disagreement is a fact a fact writer reported that disagrees with the
// policy: admitted as reported, and surfaced.
type Disagreement struct {
	Node, Key, Value, Want, Writer string
}

// Result is Validate's verdict plus what to report beside it.
type Result struct {
	verdict.Verdict
	Disagreements []Disagreement
}

var (
	labelsPath      = field.NewPath("metadata", "labels")
	annotationsPath = field.NewPath("metadata", "annotations")
)

// Validate applies every Node rule and returns every violation.
func Validate(r *Request) verdict.Verdict { return Check(r).Verdict }

// Check is Validate with the disagreements to report.
func Check(r *Request) Result {
	var res Result
	changes := judgedChanges(r.Old, r.New)
	if len(changes) > 0 {
		checkWriters(r, changes, &res)
	}
	validateMIGConfig(r, &res.Verdict)
	return res
}

func (r *Request) caller() vocab.Caller {
	return vocab.Caller{Username: r.Username, Groups: r.Groups, Extra: r.Extra, Create: r.Create, Node: r.Name}
}
