package perf

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// GPUPod is a training pod as the API server hands it to mutating
// admission: defaults applied, one GPU container and a CPU init container.
// Its namespace is left to the caller.
func GPUPod(name string) *corev1.Pod {
	p := CPUPod(name)
	p.Annotations["gpuguard.io/gpu-memory-min"] = "40Gi"
	c := &p.Spec.Containers[0]
	c.Image = "nvcr.io/nvidia/pytorch:24.05-py3"
	c.Resources.Limits["nvidia.com/gpu"] = resource.MustParse("1")
	return p
}

// CPUPod is the same pod without a GPU.
func CPUPod(name string) *corev1.Pod {
	grace := int64(30)
	return &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Labels:      map[string]string{"app.kubernetes.io/name": "trainer", "app.kubernetes.io/instance": name, "team": "ml"},
			Annotations: map[string]string{"kubectl.kubernetes.io/default-container": "trainer"},
		},
		Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{container("fetch-data", "busybox:1.36", "500m", "256Mi")},
			Containers:     []corev1.Container{container("trainer", "python:3.12", "8", "64Gi")},
			Volumes: []corev1.Volume{
				{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: "shm", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}}},
			},
			RestartPolicy:                 corev1.RestartPolicyNever,
			TerminationGracePeriodSeconds: &grace,
			DNSPolicy:                     corev1.DNSClusterFirst,
			ServiceAccountName:            "default",
			SecurityContext:               &corev1.PodSecurityContext{},
			SchedulerName:                 corev1.DefaultSchedulerName,
			Tolerations: []corev1.Toleration{
				{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(300))},
				{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(300))},
			},
		},
	}
}

func container(name, image, cpu, mem string) corev1.Container {
	return corev1.Container{
		Name:    name,
		Image:   image,
		Command: []string{"/bin/sh", "-c"},
		Args:    []string{"exec python train.py --epochs 10 --data /data"},
		Env: []corev1.EnvVar{
			{Name: "NCCL_DEBUG", Value: "INFO"},
			{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}},
		},
		Ports: []corev1.ContainerPort{{Name: "metrics", ContainerPort: 9400, Protocol: corev1.ProtocolTCP}},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(mem)},
		},
		VolumeMounts:             []corev1.VolumeMount{{Name: "data", MountPath: "/data"}, {Name: "shm", MountPath: "/dev/shm"}},
		TerminationMessagePath:   corev1.TerminationMessagePathDefault,
		TerminationMessagePolicy: corev1.TerminationMessageReadFile,
		ImagePullPolicy:          corev1.PullIfNotPresent,
	}
}

// ComponentDaemonSet is a dcgm-exporter DaemonSet labelled as a GPU
// component, shaped like the GPU Operator's (NVIDIA/gpu-operator
// assets/state-dcgm-exporter/0800_daemonset.yaml).
func ComponentDaemonSet() *appsv1.DaemonSet {
	labels := map[string]string{"app": "nvidia-dcgm-exporter"}
	c := container("nvidia-dcgm-exporter", "nvcr.io/nvidia/k8s/dcgm-exporter:3.3.5-3.4.1-ubuntu22.04", "100m", "512Mi")
	c.Command, c.Args = nil, nil
	c.Env = []corev1.EnvVar{{Name: "DCGM_EXPORTER_LISTEN", Value: ":9400"}, {Name: "DCGM_EXPORTER_KUBERNETES", Value: "true"}}
	c.SecurityContext = &corev1.SecurityContext{Privileged: ptr(true)}
	return &appsv1.DaemonSet{
		TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"},
		ObjectMeta: metav1.ObjectMeta{
			Name: "nvidia-dcgm-exporter", Namespace: "gpu-operator",
			Labels: map[string]string{"app": "nvidia-dcgm-exporter", "gpuguard.io/component": "dcgm-exporter"},
		},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					ServiceAccountName: "nvidia-dcgm-exporter",
					PriorityClassName:  "system-node-critical",
					Containers:         []corev1.Container{c},
					RestartPolicy:      corev1.RestartPolicyAlways,
					DNSPolicy:          corev1.DNSClusterFirst,
					SchedulerName:      corev1.DefaultSchedulerName,
					SecurityContext:    &corev1.PodSecurityContext{},
				},
			},
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType},
		},
	}
}

// RealisticNode is an H100 node as a real cluster stores it: GFD and
// gpuguard labels, 50 cached images, status conditions and the managed
// fields of the kubelet, the labeler and the node controller. Node updates
// carry all of it twice (object and oldObject) although the rules read only
// labels and annotations.
func RealisticNode(name string) *corev1.Node {
	labels := map[string]string{
		corev1.LabelHostname: name, corev1.LabelOSStable: "linux", corev1.LabelArchStable: "amd64",
		"node.kubernetes.io/instance-type": "p5.48xlarge", "topology.kubernetes.io/zone": "us-east-1a",
		"nvidia.com/gpu.present": "true", "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3", "nvidia.com/gpu.count": "8",
		"nvidia.com/gpu.memory": "81559", "nvidia.com/gpu.family": "hopper", "nvidia.com/gpu.compute.major": "9",
		"nvidia.com/gpu.compute.minor": "0", "nvidia.com/cuda.driver-version.major": "550", "nvidia.com/cuda.driver-version.minor": "54",
		"nvidia.com/cuda.driver-version.revision": "15", "nvidia.com/cuda.driver-version.full": "550.54.15",
		"nvidia.com/cuda.runtime-version.major": "12", "nvidia.com/cuda.runtime-version.minor": "4", "nvidia.com/cuda.runtime-version.full": "12.4",
		"nvidia.com/gpu.machine": "DGXH100", "nvidia.com/mig.capable": "true", "nvidia.com/mig.strategy": "mixed", "nvidia.com/gpu.replicas": "1",
		"nvidia.com/gpu.sharing-strategy": "none", "nvidia.com/mps.capable": "false", "nvidia.com/vgpu.present": "false",
		"nvidia.com/gpu.deploy.driver": "pre-installed", "nvidia.com/gpu.deploy.device-plugin": "true",
		"nvidia.com/gpu.deploy.gpu-feature-discovery": "true", "nvidia.com/gpu.deploy.dcgm": "true", "nvidia.com/gpu.deploy.dcgm-exporter": "true",
		"nvidia.com/gpu.deploy.container-toolkit": "true", "nvidia.com/gpu.deploy.operator-validator": "true", "nvidia.com/gpu.deploy.mig-manager": "true",
	}
	n := &corev1.Node{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Node"},
		ObjectMeta: metav1.ObjectMeta{
			Name: name, UID: "5c6f1c7e-2b51-4a8e-9d0f-3e8b1f2a9c41", ResourceVersion: "123456789",
			CreationTimestamp: metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)),
			Labels:            labels,
			Annotations: map[string]string{
				"node.alpha.kubernetes.io/ttl": "0", "volumes.kubernetes.io/controller-managed-attach-detach": "true",
				"gpuguard.io/mig-profiles":        "1g.10gb,1g.20gb,2g.20gb,3g.40gb,4g.40gb,7g.80gb",
				"csi.volume.kubernetes.io/nodeid": `{"ebs.csi.aws.com":"i-0123456789abcdef0"}`,
			},
			ManagedFields: managedFields(),
		},
		Spec: corev1.NodeSpec{ProviderID: "aws:///us-east-1a/i-0123456789abcdef0", PodCIDR: "10.244.3.0/24", PodCIDRs: []string{"10.244.3.0/24"}},
		Status: corev1.NodeStatus{
			Capacity: corev1.ResourceList{"cpu": resource.MustParse("192"), "memory": resource.MustParse("2063937Mi"),
				"nvidia.com/gpu": resource.MustParse("8"), "pods": resource.MustParse("110"), "ephemeral-storage": resource.MustParse("3758096384Ki")},
			Allocatable: corev1.ResourceList{"cpu": resource.MustParse("191450m"), "memory": resource.MustParse("2052342Mi"),
				"nvidia.com/gpu": resource.MustParse("8"), "pods": resource.MustParse("110"), "ephemeral-storage": resource.MustParse("3463348517124")},
			Conditions: conditions(),
			Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "10.0.12.34"}, {Type: corev1.NodeHostName, Address: name},
				{Type: corev1.NodeInternalDNS, Address: "ip-10-0-12-34.ec2.internal"}},
			DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: 10250}},
			NodeInfo: corev1.NodeSystemInfo{MachineID: "ec2a1b2c3d4e5f60718293a4b5c6d7e8", SystemUUID: "ec2a1b2c-3d4e-5f60-7182-93a4b5c6d7e8",
				BootID: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", KernelVersion: "5.15.0-1051-aws", OSImage: "Ubuntu 22.04.4 LTS",
				ContainerRuntimeVersion: "containerd://1.7.13", KubeletVersion: "v1.33.1", OperatingSystem: "linux", Architecture: "amd64"},
			Images: images(50),
		},
	}
	return n
}

func conditions() []corev1.NodeCondition {
	t := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	var out []corev1.NodeCondition
	for _, c := range []struct{ typ, status, reason, msg string }{
		{"MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"},
		{"DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"},
		{"PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"},
		{"Ready", "True", "KubeletReady", "kubelet is posting ready status"},
	} {
		out = append(out, corev1.NodeCondition{Type: corev1.NodeConditionType(c.typ), Status: corev1.ConditionStatus(c.status),
			LastHeartbeatTime: t, LastTransitionTime: t, Reason: c.reason, Message: c.msg})
	}
	return out
}

func images(n int) []corev1.ContainerImage {
	out := make([]corev1.ContainerImage, n)
	for i := range out {
		repo := fmt.Sprintf("registry.example.com/team-%02d/image-%02d", i%7, i)
		out[i] = corev1.ContainerImage{
			Names: []string{
				fmt.Sprintf("%s@sha256:%064x", repo, uint64(i)*0x9e3779b97f4a7c15),
				fmt.Sprintf("%s:v1.%d.%d", repo, i%5, i),
			},
			SizeBytes: int64(100_000_000 + i*37_000_000),
		}
	}
	return out
}

// managedFields are those of a node written by its kubelet, the node
// controller, the GPU Operator and the gpuguard labeler.
func managedFields() []metav1.ManagedFieldsEntry {
	t := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	entry := func(manager, sub string, fields string) metav1.ManagedFieldsEntry {
		return metav1.ManagedFieldsEntry{Manager: manager, Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "v1",
			Time: &t, FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(fields), Subresource: sub}
	}
	var labels, images string
	for _, k := range []string{"nvidia.com/gpu.present", "nvidia.com/gpu.product", "nvidia.com/gpu.count", "nvidia.com/gpu.memory",
		"nvidia.com/gpu.family", "nvidia.com/gpu.compute.major", "nvidia.com/gpu.compute.minor", "nvidia.com/cuda.driver-version.full",
		"nvidia.com/cuda.runtime-version.full", "nvidia.com/gpu.machine", "nvidia.com/mig.capable", "nvidia.com/mig.strategy"} {
		labels += fmt.Sprintf(`,"f:%s":{}`, k)
	}
	for i := range 50 {
		images += fmt.Sprintf(`,"f:registry.example.com/team-%02d/image-%02d":{}`, i%7, i)
	}
	return []metav1.ManagedFieldsEntry{
		entry("kubelet", "", `{"f:metadata":{"f:annotations":{".":{},"f:node.alpha.kubernetes.io/ttl":{},"f:volumes.kubernetes.io/controller-managed-attach-detach":{}},"f:labels":{".":{},"f:beta.kubernetes.io/arch":{},"f:kubernetes.io/arch":{},"f:kubernetes.io/hostname":{},"f:kubernetes.io/os":{}}},"f:spec":{"f:providerID":{}}}`),
		entry("kube-controller-manager", "", `{"f:spec":{"f:podCIDR":{},"f:podCIDRs":{".":{},"v:\"10.244.3.0/24\"":{}}}}`),
		entry("gpuguard-labeler", "", `{"f:metadata":{"f:annotations":{"f:gpuguard.io/mig-profiles":{}},"f:labels":{`+labels[1:]+`}}}`),
		entry("gpu-operator", "", `{"f:metadata":{"f:labels":{"f:nvidia.com/gpu.deploy.container-toolkit":{},"f:nvidia.com/gpu.deploy.dcgm":{},"f:nvidia.com/gpu.deploy.dcgm-exporter":{},"f:nvidia.com/gpu.deploy.device-plugin":{},"f:nvidia.com/gpu.deploy.driver":{},"f:nvidia.com/gpu.deploy.gpu-feature-discovery":{},"f:nvidia.com/gpu.deploy.mig-manager":{},"f:nvidia.com/gpu.deploy.operator-validator":{}}}}`),
		entry("kubelet", "status", `{"f:status":{"f:allocatable":{"f:nvidia.com/gpu":{}},"f:capacity":{"f:nvidia.com/gpu":{}},"f:conditions":{"k:{\"type\":\"DiskPressure\"}":{"f:lastHeartbeatTime":{}},"k:{\"type\":\"MemoryPressure\"}":{"f:lastHeartbeatTime":{}},"k:{\"type\":\"PIDPressure\"}":{"f:lastHeartbeatTime":{}},"k:{\"type\":\"Ready\"}":{"f:lastHeartbeatTime":{},"f:lastTransitionTime":{},"f:message":{},"f:reason":{},"f:status":{}}},"f:images":{`+images[1:]+`},"f:nodeInfo":{"f:bootID":{}}}}`),
	}
}

func ptr[T any](v T) *T { return &v }
