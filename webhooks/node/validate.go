package node

import (
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/admit"
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

var (
	labelsPath      = field.NewPath("metadata", "labels")
	annotationsPath = field.NewPath("metadata", "annotations")
)

// Validate applies every rule of SPEC §3 and returns every violation.
func Validate(r *Request) admit.Verdict {
	var v admit.Verdict
	validateDeploy(r, &v)
	validateMIGStrategy(r, &v)
	validateMIGConfig(r, &v)
	validateFacts(r, &v)
	return v
}

func (r *Request) isOperator() bool {
	return r.Policy.Identities.Operator.Match(r.Username, r.Groups)
}

func (r *Request) isLabeler() bool {
	return r.Policy.Identities.Labeler.Match(r.Username, r.Groups)
}

// labelerNode is the node named in the request's token, "" when none.
func (r *Request) labelerNode() string {
	if v := r.Extra[NodeNameExtra]; len(v) == 1 {
		return v[0]
	}
	return ""
}

// isOwnKubelet is the kubelet of this very node registering it.
func (r *Request) isOwnKubelet() bool {
	return r.Create && r.Username == "system:node:"+r.Name && slices.Contains(r.Groups, "system:nodes")
}

func sorted(keys []string) []string {
	slices.Sort(keys)
	return keys
}

// caseHint returns the allowed value that v matches but for case.
func caseHint(v string, allowed []string) (string, bool) {
	for _, a := range allowed {
		if strings.EqualFold(v, a) {
			return a, true
		}
	}
	return "", false
}
