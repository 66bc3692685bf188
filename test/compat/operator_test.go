package compat

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"k8s.io/apimachinery/pkg/types"

	"github.com/gpuguard/gpuguard/config/vocab"
)

// TestOperator replays NVIDIA/gpu-operator controllers/state_manager.go and
// controllers/nodelabeling_controller.go (controller-runtime MergeFrom, a
// JSON merge patch): operands=false by a person removes every deploy label,
// operands=true brings the defaults back as "true"; mig.config=all-disabled
// where absent; and the upgrade controller's state label
// (NVIDIA/k8s-operator-libs pkg/upgrade/node_upgrade_state_provider.go,
// strategic merge patch).
func TestOperator(t *testing.T) {
	for _, node := range gpuNodes {
		t.Run("gpu-operator operands off-on on "+node+" (NVIDIA/gpu-operator controllers/state_manager.go)", func(t *testing.T) {
			op := func(labels map[string]any) write {
				return write{component: "gpu-operator", patch: types.MergePatchType, client: as(operatorRole, ""), node: node, labels: labels}
			}
			me := func(labels map[string]any) write {
				return write{component: "person", patch: types.MergePatchType, client: person(), node: node, labels: labels}
			}
			before := labelsOf(t, node)
			admitted(t, me(map[string]any{deploy + "operands": "false"}))
			remove, restore, mine := map[string]any{}, map[string]any{}, map[string]any{}
			for k, v := range before {
				if !strings.HasPrefix(k, deploy) || k == deploy+"operands" {
					continue
				}
				remove[k] = nil
				switch v {
				case "true": // the operator's own value
					restore[k] = v
				case "false", "pre-installed": // a person's choice
					mine[k] = v
				}
			}
			admitted(t, op(remove))
			admitted(t, me(map[string]any{deploy + "operands": nil}))
			admitted(t, op(restore))
			if len(mine) > 0 {
				admitted(t, me(mine))
			}
			admitted(t, op(map[string]any{vocab.LabelGPUPresent: "true"}))
			admitted(t, write{component: "gpu-operator upgrade controller", patch: types.StrategicMergePatchType, client: as(operatorRole, ""),
				node: node, labels: map[string]any{vocab.LabelUpgradeState: "upgrade-required"}})
			admitted(t, write{component: "gpu-operator upgrade controller", patch: types.MergePatchType, client: as(operatorRole, ""),
				node: node, labels: map[string]any{vocab.LabelUpgradeState: nil}})
			assert.Equal(t, before[deploy+"driver"], labelsOf(t, node)[deploy+"driver"])
		})
	}
	t.Run("gpu-operator mig.config default where absent (NVIDIA/gpu-operator controllers/nodelabeling_controller.go)", func(t *testing.T) {
		admitted(t, write{component: "person", patch: types.MergePatchType, client: person(), node: migNode,
			labels: map[string]any{vocab.LabelMIGConfig: nil}})
		op := write{component: "gpu-operator", patch: types.MergePatchType, client: as(operatorRole, ""), node: migNode,
			labels: map[string]any{vocab.LabelMIGConfig: "all-disabled"}}
		admitted(t, op)
		op.labels = map[string]any{vocab.LabelMIGConfig: "all-1g.5gb"}
		refused(t, op, "is not for gpu-operator")
	})
}
