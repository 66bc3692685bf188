package node

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/config/vocab"
	"github.com/gpuguard/gpuguard/webhooks/suggest"
)

// checkWriters holds the caller to its rows of the table of writers: each
// judged change must be allowed by a row of a writer the caller acts as.
func checkWriters(r *Request, changes []change, res *Result) {
	t := r.Policy.Writers()
	c := r.caller()
	ws, off := onNode(t.For(c), c)
	if len(ws) == 0 && off != nil {
		res.Add(config.RuleFactLabels, offNode(off, c))
		return
	}
	names := r.Policy.ComponentNames()
	for _, ch := range changes {
		if comp, ok := deployComponent(ch); ok && !slices.Contains(names, comp) {
			if !ch.Removed() {
				res.Add(config.RuleDeployLabels, field.Invalid(ch.path(), ch.New, unknownComponent(comp, ch.key, names)))
			}
			continue
		}
		if w := allowing(ws, ch); w != nil {
			reportStrategy(r, w, ch, res)
			continue
		}
		res.Add(ruleOf(ch), refusal(t, ws, ch))
	}
}

// onNode drops the writers confined to their own node when the token names
// another one; off is such a writer.
func onNode(ws []*vocab.Writer, c vocab.Caller) (kept []*vocab.Writer, off *vocab.Writer) {
	for _, w := range ws {
		if w.Scope == vocab.OwnNode && c.TokenNode() != c.Node {
			off = w
			continue
		}
		kept = append(kept, w)
	}
	return kept, off
}

func offNode(w *vocab.Writer, c vocab.Caller) *field.Error {
	if c.TokenNode() == "" {
		return field.Forbidden(labelsPath, fmt.Sprintf(
			"the %s's token names no node (%s); run it with a bound service account token so it can label its own node", w.Name, vocab.NodeNameExtra))
	}
	return field.Forbidden(labelsPath, fmt.Sprintf("the %s on node %s may label only that node, not %s",
		strings.ReplaceAll(w.Name, "-", " "), c.TokenNode(), c.Node))
}

func allowing(ws []*vocab.Writer, ch change) *vocab.Writer {
	for _, w := range ws {
		if w.Allows(ch.key, ch.annotation, ch.Change) {
			return w
		}
	}
	return nil
}

func deployComponent(ch change) (string, bool) {
	if ch.annotation {
		return "", false
	}
	return strings.CutPrefix(ch.key, vocab.DeployPrefix)
}

// ruleOf is the enforcement rule a refused change breaks.
func ruleOf(ch change) config.Rule {
	switch {
	case vocab.IsFact(ch.key):
		return config.RuleFactLabels
	case ch.key == vocab.LabelMIGConfig:
		return config.RuleMIGConfig
	}
	return config.RuleDeployLabels
}

// refusal says why no row allows the change, and what would be allowed.
func refusal(t vocab.Table, ws []*vocab.Writer, ch change) *field.Error {
	path := ch.path()
	if lower := strings.ToLower(ch.New); !ch.Removed() && lower != ch.New && allowing(ws, change{ch.key, ch.annotation, vocab.Change{Old: ch.Old, Had: ch.Had, New: lower, Has: true}}) != nil {
		return field.Invalid(path, ch.New, fmt.Sprintf("values are case-sensitive: use %q, not %q", lower, ch.New))
	}
	if !people(ws) {
		what := fmt.Sprintf("%s=%q", ch.key, ch.New)
		if ch.Removed() {
			what = "removing " + ch.key
		}
		return field.Forbidden(path, fmt.Sprintf("%s is not for %s, which may write only: %s",
			what, vocab.Describe(ws), summaries(ws)))
	}
	if vocab.IsFact(ch.key) {
		return field.Forbidden(path, fmt.Sprintf(
			"%s is discovered from the hardware by the gpuguard labeler and cannot be edited (its writers: %s; the policy's identities.writers adds one)",
			ch.key, names(t.Covering(ch.key, ch.annotation))))
	}
	if comp, ok := deployComponent(ch); ok {
		if ps := t.Pausers(comp, ch.New); len(ps) > 0 {
			return field.Forbidden(path, fmt.Sprintf("%q is written by %s while it pauses %s; set \"true\" or \"false\"",
				ch.New, vocab.Describe(ps), comp))
		}
		return field.NotSupported(path, ch.New, vocab.ComponentValues(comp))
	}
	if ch.key == vocab.LabelWorkloadConfig {
		if best, ok := suggest.Typo(ch.New, vocab.WorkloadConfigs); ok {
			return field.Invalid(path, ch.New, fmt.Sprintf("unknown GPU workload config; did you mean %s? (the GPU Operator falls back to container on any other value)", best))
		}
		return field.NotSupported(path, ch.New, vocab.WorkloadConfigs)
	}
	return field.Forbidden(path, fmt.Sprintf("%s may not be written by %s", ch.key, vocab.Describe(ws)))
}

// people reports whether the writers are the catch-all ones (people, a
// registering kubelet), whose refusals explain the value rather than the
// writer.
func people(ws []*vocab.Writer) bool {
	for _, w := range ws {
		if !w.Anyone && w.Scope != vocab.Registering {
			return false
		}
	}
	return true
}

func summaries(ws []*vocab.Writer) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.Summary()
	}
	return strings.Join(parts, "; ")
}

func names(ws []*vocab.Writer) string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Name
	}
	return strings.Join(out, ", ")
}

// unknownComponent says a component is unknown, and which one was meant:
// the closest known name when it is a plausible typo, else the whole list.
func unknownComponent(component, key string, names []string) string {
	msg := fmt.Sprintf("unknown GPU component %q in %s", component, key)
	if best, ok := suggest.Typo(component, names); ok {
		return msg + fmt.Sprintf("; did you mean %s?", best)
	}
	return msg + "; known components: " + strings.Join(names, ", ")
}
