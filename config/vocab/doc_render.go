package vocab

// WritersDoc is docs/writers.md: the default table for a GPU Operator in
// its default namespace, with how to extend it.
func WritersDoc() string {
	return `# Who may write what on a Node

<!-- Generated from config/vocab (DefaultTable); do not edit. A test fails when
this file and the code differ: GPUGUARD_UPDATE=1 go test ./config/vocab -run TestWritersDoc -->

The node webhook holds every identity that changes a Node's GPU keys to the
rows of one table of writers. A write outside the writer's rows is refused
with a message naming the writer and what it may write. Identities that are
no writer below are **people**, cluster admins included.

- The table below is for a GPU Operator in ` + "`gpu-operator`" + `; the policy's
  ` + "`gpuOperatorNamespace`" + ` (chart value ` + "`gpuOperator.namespace`" + `) moves
  every ` + "`gpu-operator/…`" + ` service account.
- ` + "`identities.writers.<writer>`" + ` in the policy adds users, groups or service
  accounts to a writer, e.g. ` + "`nfd-master: {serviceAccounts: [openshift-nfd/nfd-master]}`" + `
  (chart value ` + "`nfd.serviceAccounts`" + `). ` + "`identities.labeler`" + ` adds labelers;
  the legacy ` + "`identities.operator`" + ` adds identities to every GPU Operator
  writer (gpu-operator, mig-manager, driver-manager, vgpu-device-manager,
  cc-manager, nfd-master) at once.
- A paused value is composed as ` + "`<previous>_paused-for-<reason>`" + ` by the
  managers that compose (driver-manager, cc-manager): ` + "`<previous>`" + ` is a
  value of the component or an earlier paused one, so
  ` + "`paused-for-mig-change_paused-for-driver-upgrade`" + ` is the driver manager's
  pause over an interrupted MIG reconfiguration, and taking its pause back
  restores ` + "`paused-for-mig-change`" + `.
- An empty value is the same as an absent label. Rows marked "never sent to
  the webhook" are listed for completeness: the chart's matchConditions send
  only changes of judged keys, so these writes succeed even while the webhook
  is down.
- Facts reported by a fact writer (nfd-master, the labeler) are admitted as
  reported; a ` + "`nvidia.com/mig.strategy`" + ` that disagrees with the policy gets
  a warning, a Node Event (` + "`GPUFactDisagreesWithPolicy`" + `) and the metric
  ` + "`gpuguard_node_fact_disagreements_total`" + `.
- gpuguard's labeler is also confined by a ValidatingAdmissionPolicy shipped
  by the chart: only its own Node, only ` + "`nvidia.com/`" + ` labels and
  ` + "`gpuguard.io/`" + ` annotations, never spec (taints, cordon).

` + DefaultTable(TableOptions{}).Markdown()
}
