package vocab

import (
	"regexp"
	"slices"
	"strings"
)

// Prefixes and keys gpuguard reads or judges.
const (
	LabelPrefix      = "nvidia.com/"
	AnnotationPrefix = "gpuguard.io/"
	// DeployPrefix starts nvidia.com/gpu.deploy.<component>.
	DeployPrefix = "nvidia.com/gpu.deploy."
	// LabelDeployOperands=false tells the GPU Operator to run no operand on
	// the node.
	LabelDeployOperands = DeployPrefix + "operands"

	LabelGPUPresent     = "nvidia.com/gpu.present"
	LabelGPUProduct     = "nvidia.com/gpu.product"
	LabelGPUMemory      = "nvidia.com/gpu.memory"
	LabelGPUFamily      = "nvidia.com/gpu.family"
	LabelComputeMajor   = "nvidia.com/gpu.compute.major"
	LabelComputeMinor   = "nvidia.com/gpu.compute.minor"
	LabelCUDAMajor      = "nvidia.com/cuda.runtime-version.major"
	LabelCUDAMinor      = "nvidia.com/cuda.runtime-version.minor"
	LabelMIGCapable     = "nvidia.com/mig.capable"
	LabelMIGStrategy    = "nvidia.com/mig.strategy"
	LabelMIGConfig      = "nvidia.com/mig.config"
	LabelWorkloadConfig = "nvidia.com/gpu.workload.config"

	// Written by the GPU Operator's components and never judged: gpuguard
	// has no opinion on them, so the webhook is never called for them.
	LabelMIGConfigState   = "nvidia.com/mig.config.state"
	LabelUpgradeState     = "nvidia.com/gpu-driver-upgrade-state"
	LabelVGPUConfigState  = "nvidia.com/vgpu.config.state"
	LabelCCModeState      = "nvidia.com/cc.mode.state"
	LabelCCReadyState     = "nvidia.com/cc.ready.state"
	LabelNFDFeaturePrefix = "feature.node.kubernetes.io/"

	AnnotationMIGProfiles = "gpuguard.io/mig-profiles"
	// AnnotationDeployDefaults marks a node the labeler has given its deploy
	// defaults, so that it never gives them twice.
	AnnotationDeployDefaults = "gpuguard.io/deploy-defaults"
	// AnnotationPCIDeviceIDs lists the PCI device IDs of the node's GPUs as
	// the labeler reads them from NVML (PciInfo.PciDeviceId, written as
	// mig-parted writes device filters: "0x20B010DE"), comma-separated,
	// sorted and unique. MIG configs resolve their device-filter entries
	// against it; compare case-insensitively.
	AnnotationPCIDeviceIDs = "gpuguard.io/pci-device-ids"

	// NodeNameExtra is the service account token's extra naming the node
	// its pod runs on (bound tokens, Kubernetes 1.30+).
	NodeNameExtra = "authentication.kubernetes.io/node-name"
)

// NodeFacts are the node-wide fact labels, as GFD and the
// labeler write them.
var NodeFacts = []string{
	"nvidia.com/cuda.driver-version.major", "nvidia.com/cuda.driver-version.minor",
	"nvidia.com/cuda.driver-version.revision", "nvidia.com/cuda.driver-version.full",
	"nvidia.com/cuda.driver.major", "nvidia.com/cuda.driver.minor", "nvidia.com/cuda.driver.rev",
	LabelCUDAMajor, LabelCUDAMinor, "nvidia.com/cuda.runtime-version.full",
	"nvidia.com/cuda.runtime.major", "nvidia.com/cuda.runtime.minor",
	"nvidia.com/gpu.machine", LabelMIGCapable, "nvidia.com/mps.capable", "nvidia.com/vgpu.present",
	"nvidia.com/gpu.mode", LabelGPUFamily, LabelComputeMajor, LabelComputeMinor,
	"nvidia.com/gfd.timestamp", LabelGPUPresent, LabelMIGStrategy,
}

// ResourceAttributes are the per-resource fact attributes: each is written
// as <R>.<attr>, R being nvidia.com/gpu or nvidia.com/mig-<profile>.
var ResourceAttributes = []string{
	"product", "count", "replicas", "sharing-strategy", "memory", "multiprocessors",
	"slices.gi", "slices.ci", "engines.copy", "engines.decoder", "engines.encoder",
	"engines.jpeg", "engines.ofa",
}

// FactAnnotations are gpuguard's own facts, kept as annotations because
// their values do not fit a label value.
var FactAnnotations = []string{AnnotationMIGProfiles, AnnotationPCIDeviceIDs}

// MIGResourcePrefix starts every per-MIG-profile fact label.
const MIGResourcePrefix = "nvidia.com/mig-"

var (
	nodeFactSet  = setOf(NodeFacts)
	gpuFactSet   = setOf(gpuResourceFacts())
	migFactRegex = regexp.MustCompile(`^nvidia\.com/mig-[0-9]+(c\.[0-9]+)?g\.[0-9]+gb[a-z.-]*?\.(` +
		strings.ReplaceAll(strings.Join(ResourceAttributes, "|"), ".", `\.`) + `)$`)
)

func gpuResourceFacts() []string {
	out := make([]string, len(ResourceAttributes))
	for i, a := range ResourceAttributes {
		out[i] = "nvidia.com/gpu." + a
	}
	return out
}

// IsFact reports whether a label or annotation key is discovered from the
// hardware. Other nvidia.com/ keys (operator state, requests such as
// mig.config) are not facts and belong to their writers.
func IsFact(key string) bool {
	return nodeFactSet[key] || gpuFactSet[key] || slices.Contains(FactAnnotations, key) || migFactRegex.MatchString(key)
}

// IsJudgedLabel reports whether the node webhook judges a change of this
// label: deploy labels, workload.config, mig.config and facts.
func IsJudgedLabel(key string) bool {
	return strings.HasPrefix(key, DeployPrefix) || key == LabelWorkloadConfig || key == LabelMIGConfig || IsFact(key)
}

// IsJudgedAnnotation reports whether the node webhook judges a change of this
// annotation: every gpuguard.io/ one.
func IsJudgedAnnotation(key string) bool { return strings.HasPrefix(key, AnnotationPrefix) }

// JudgedExactLabels are the judged label keys that are not matched by a
// prefix of JudgedLabelPrefixes, in a stable order (for the chart's
// matchConditions).
func JudgedExactLabels() []string {
	out := slices.Concat(NodeFacts, gpuResourceFacts(), []string{LabelWorkloadConfig, LabelMIGConfig})
	slices.Sort(out)
	return out
}

// JudgedLabelPrefixes are the prefixes under which the matchConditions send
// label changes to the webhook. nvidia.com/mig- is wider than the MIG fact
// pattern; the webhook ignores the keys it does not judge.
var JudgedLabelPrefixes = []string{DeployPrefix, MIGResourcePrefix}

func setOf(keys []string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// MatchPrefixes and MatchExact select the label keys whose change the
// chart's matchConditions send to the node webhook. They cover every judged
// label (a test checks it) and none of the GPU Operator's state labels
// (mig.config.state, gpu-driver-upgrade-state, cc.*, vgpu.config.state,
// feature.node.kubernetes.io/*), so a webhook outage never blocks those. The
// few string comparisons keep the CEL cost per label constant; the webhook
// ignores the rare unjudged key under these prefixes.
var MatchPrefixes = []string{"nvidia.com/cuda.", "nvidia.com/gpu.", MIGResourcePrefix}

// MatchExact are the judged label keys outside MatchPrefixes, sorted.
func MatchExact() []string {
	var out []string
	for _, k := range JudgedExactLabels() {
		if !hasAnyPrefix(k, MatchPrefixes) {
			out = append(out, k)
		}
	}
	return out
}

// MatchesLabel reports whether the matchConditions send a change of key.
func MatchesLabel(key string) bool {
	return hasAnyPrefix(key, MatchPrefixes) || slices.Contains(MatchExact(), key)
}

func hasAnyPrefix(k string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// CELJudgedLabel is a CEL expression, over a string variable v, true for
// the label keys MatchesLabel selects; the chart's matchConditions embed it.
func CELJudgedLabel(v string) string {
	var parts []string
	for _, p := range MatchPrefixes {
		parts = append(parts, v+".startsWith('"+p+"')")
	}
	for _, k := range MatchExact() {
		parts = append(parts, v+" == '"+k+"'")
	}
	return "(" + strings.Join(parts, " || ") + ")"
}
