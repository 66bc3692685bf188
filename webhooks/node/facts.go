package node

import (
	"fmt"

	"github.com/gpuguard/gpuguard/config/vocab"
)

// reportStrategy admits a fact writer's nvidia.com/mig.strategy as
// reported: it is the hardware stack's report, and refusing it would drop
// the writer's whole patch (nfd-master sends one per node) and hide the
// misconfiguration. A disagreement with the policy is warned about and
// reported (Event, metric) instead.
func reportStrategy(r *Request, w *vocab.Writer, ch change, res *Result) {
	if ch.key != vocab.LabelMIGStrategy || ch.Removed() {
		return
	}
	want := string(r.Policy.EffectiveMIGStrategy())
	if ch.New == want {
		return
	}
	res.Warn(fmt.Sprintf(
		"%s=%s reported by %s on node %s disagrees with gpuguard's MIG strategy %q: the device plugin, GFD and gpuguard must agree; set the same mig.strategy on the GPU Operator and on gpuguard",
		vocab.LabelMIGStrategy, ch.New, w.Name, r.Name, want))
	res.Disagreements = append(res.Disagreements, Disagreement{Node: r.Name, Key: ch.key, Value: ch.New, Want: want, Writer: w.Name})
}
