package vocab

import "slices"

// Pause values of the GPU Operator's managers.
const (
	PausedForMIGChange     = "paused-for-mig-change"
	PausedForDriverUpgrade = "paused-for-driver-upgrade"
	PausedForVGPUChange    = "paused-for-vgpu-change"
	PausedForCCModeChange  = "paused-for-cc-mode-change"
)

// Components each manager pauses, as their sources list them.
var (
	// NVIDIA/mig-parted pkg/mig/reconfigure/reconfigure.go
	// (shutdownKubernetesGPUClients).
	migPaused = []string{"device-plugin", "gpu-feature-discovery", "dcgm-exporter", "dcgm", "nvsm", "client"}
	// NVIDIA/k8s-driver-manager cmd/driver-manager/main.go
	// (evictAllGPUOperatorComponents).
	driverPaused = []string{"operator-validator", "container-toolkit", "device-plugin", "gpu-feature-discovery",
		"dcgm-exporter", "dcgm", "nvsm", "sandbox-validator", "sandbox-device-plugin", "vgpu-device-manager", "mig-manager"}
	// NVIDIA/vgpu-device-manager cmd/nvidia-k8s-vgpu-dm/main.go
	// (shutdownGPUOperands).
	vgpuPaused = []string{"sandbox-device-plugin", "sandbox-validator"}
	// NVIDIA/k8s-cc-manager gpu_operator_eviction.py (COMPONENT_LABELS).
	ccPaused = []string{"vfio-manager", "vgpu-manager", "sandbox-validator", "sandbox-device-plugin", "vgpu-device-manager"}
)

// Sources of the rows, cited in docs/writers.md.
const (
	srcOperatorLabels = "NVIDIA/gpu-operator controllers/state_manager.go"
	srcOperatorNode   = "NVIDIA/gpu-operator controllers/nodelabeling_controller.go"
	srcUpgrade        = "NVIDIA/k8s-operator-libs pkg/upgrade/node_upgrade_state_provider.go"
	srcMIG            = "NVIDIA/mig-parted pkg/mig/reconfigure/reconfigure.go"
	srcDriver         = "NVIDIA/k8s-driver-manager cmd/driver-manager/main.go"
	srcVGPU           = "NVIDIA/vgpu-device-manager cmd/nvidia-k8s-vgpu-dm/main.go"
	srcCC             = "NVIDIA/k8s-cc-manager gpu_operator_eviction.py"
	srcNFD            = "kubernetes-sigs/node-feature-discovery pkg/nfd-master/nfd-master.go"
	srcLabeler        = "gpuguard labeler/writer.go"
	srcKubelet        = "kubernetes/kubernetes pkg/kubelet/kubelet_node_status.go"
	// The MIG manager acts on the value people set.
	srcMIGConfig = "NVIDIA/mig-parted cmd/nvidia-mig-manager/main.go"
)

// DefaultTable is the writers of a GPU Operator cluster with gpuguard,
// adapted to the install by o. Service account names are the
// operator's manifests' (NVIDIA/gpu-operator assets/state-*/0100_service_account.yaml,
// deployments/gpu-operator/templates/serviceaccount.yaml).
func DefaultTable(o TableOptions) Table {
	ns := o.OperatorNamespace
	if ns == "" {
		ns = DefaultOperatorNamespace
	}
	if o.Labeler.Empty() {
		o.Labeler = Subjects{ServiceAccounts: []string{"gpuguard/gpuguard-labeler"}}
	}
	sa := func(name string) Subjects { return Subjects{ServiceAccounts: []string{ns + "/" + name}} }
	pauser := func(components []string, pause string, compose bool, src string) Row {
		return Row{Keys: Deploy(components...), Source: src, Values: Values{
			Pause: pause, Compose: compose, Only: []string{ValueTrue, ValueFalse},
		}}
	}
	// manager is an operand of the GPU Operator that pauses components, its
	// service account from the operator's assets/state-<state>.
	manager := func(name, who, account, state, patch string, rows ...Row) Writer {
		return Writer{Name: name, Who: who, Subjects: sa(account), Patch: patch,
			Source: "NVIDIA/gpu-operator assets/state-" + state + "/0100_service_account.yaml", Rows: rows}
	}
	t := Table{
		{Name: WriterOperator, Who: "the GPU Operator", Subjects: sa("gpu-operator"), Patch: "merge",
			Source: "NVIDIA/gpu-operator deployments/gpu-operator/templates/serviceaccount.yaml", Rows: []Row{
				{Keys: Deploy(), Values: Values{Only: []string{ValueTrue}, Remove: true}, Source: srcOperatorLabels},
				{Keys: Exact(LabelGPUPresent), Values: Values{Only: []string{ValueTrue, ValueFalse}, Remove: true}, Source: srcOperatorNode},
				{Keys: Exact(LabelMIGConfig), Values: Values{Only: []string{"all-disabled"}, WhenAbsent: true}, Source: srcOperatorNode},
				{Keys: Exact(LabelUpgradeState), Values: Values{Any: true, Remove: true}, Source: srcUpgrade},
			}},
		manager(WriterMIGManager, "the MIG manager", "nvidia-mig-manager", "mig-manager", "merge",
			pauser(migPaused, PausedForMIGChange, false, srcMIG),
			Row{Keys: Exact(LabelMIGConfigState), Values: Values{Any: true}, Source: srcMIG}),
		manager(WriterDriverManager, "k8s-driver-manager (the driver pod's init container)", "nvidia-driver", "driver", "strategic",
			pauser(driverPaused, PausedForDriverUpgrade, true, srcDriver),
			Row{Keys: Deploy("driver"), Values: Values{Only: []string{ValuePreInstalled}}, Source: srcDriver}),
		manager(WriterVGPUManager, "the vGPU device manager", "nvidia-vgpu-device-manager", "vgpu-device-manager", "update",
			pauser(vgpuPaused, PausedForVGPUChange, false, srcVGPU),
			Row{Keys: Exact(LabelVGPUConfigState), Values: Values{Any: true}, Source: srcVGPU}),
		manager(WriterCCManager, "k8s-cc-manager", "nvidia-cc-manager", "cc-manager", "strategic",
			pauser(ccPaused, PausedForCCModeChange, true, srcCC),
			Row{Keys: Exact(LabelCCModeState), Values: Values{Any: true}, Source: srcCC},
			Row{Keys: Exact(LabelCCReadyState), Values: Values{Any: true}, Source: srcCC}),
		// GFD never writes Nodes: it publishes NodeFeature objects and
		// nfd-master patches their labels. The operator bundles NFD with
		// master SA node-feature-discovery (NVIDIA/gpu-operator
		// deployments/gpu-operator/values.yaml); a standalone NFD runs in
		// node-feature-discovery as nfd-master (kustomize:
		// deployment/base/rbac/master-serviceaccount.yaml) or, from `helm
		// install nfd`, nfd-node-feature-discovery
		// (deployment/helm/node-feature-discovery/templates/_helpers.tpl).
		{Name: WriterNFDMaster, Who: "nfd-master, publishing GPU Feature Discovery's labels", Patch: "json",
			Source: "kubernetes-sigs/node-feature-discovery deployment/base/rbac/master-serviceaccount.yaml",
			Subjects: Subjects{ServiceAccounts: []string{ns + "/node-feature-discovery",
				"node-feature-discovery/nfd-master", "node-feature-discovery/nfd-node-feature-discovery"}},
			Rows: []Row{
				{Keys: Keys{Kind: KeyFacts}, Values: Values{Any: true, Remove: true}, Source: srcNFD},
				{Keys: Exact(LabelNFDFeaturePrefix + "*"), Values: Values{Any: true, Remove: true}, Source: srcNFD},
			}},
		{Name: WriterLabeler, Who: "gpuguard's labeler, on its own node", Subjects: o.Labeler, Scope: OwnNode, Patch: "apply",
			Source: srcLabeler, Rows: []Row{
				{Keys: Keys{Kind: KeyFacts}, Values: Values{Any: true, Remove: true}, Source: srcLabeler},
				{Keys: Keys{Kind: KeyAnnotations}, Values: Values{Any: true, Remove: true}, Source: srcLabeler},
				{Keys: Deploy(), Values: Values{Only: []string{ValueTrue}, Remove: true}, Source: "gpuguard labeler/facts.go"},
			}},
		{Name: WriterKubelet, Who: "a kubelet registering its own Node (--node-labels)", Scope: Registering, Patch: "create",
			Source: "kubernetes/kubernetes pkg/kubelet/kubelet_node_status.go", Rows: []Row{
				{Keys: Exact(LabelGPUPresent), Values: Values{Any: true}, Source: srcKubelet},
				{Keys: Deploy(), Values: Values{Plain: true}, Source: srcKubelet},
			}},
		{Name: WriterPeople, Who: "people and every identity not above, cluster admins included", Anyone: true, Patch: "merge",
			Source: "kubectl label", Rows: []Row{
				{Keys: Deploy(), Values: Values{Plain: true, Remove: true}, Source: srcOperatorLabels},
				{Keys: Exact(LabelWorkloadConfig), Values: Values{Only: WorkloadConfigs, Remove: true}, Source: srcOperatorLabels},
				{Keys: Exact(LabelMIGConfig), Values: Values{Any: true, Remove: true}, Source: srcMIGConfig},
			}},
	}
	for i := range t {
		w := &t[i]
		if slices.Contains(OperatorWriters, w.Name) {
			w.Subjects = w.Subjects.Merge(o.Operator)
		}
		if extra, ok := o.Extra[w.Name]; ok {
			w.Subjects = w.Subjects.Merge(extra)
		}
	}
	return t
}
