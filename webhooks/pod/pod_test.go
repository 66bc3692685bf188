package pod

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/gpuguard/gpuguard/config"
	"github.com/gpuguard/gpuguard/webhooks/facts"
	"github.com/gpuguard/gpuguard/webhooks/verdict"
)

var (
	h100 = facts.Offer{Product: "NVIDIA-H100-80GB-HBM3", Family: "hopper", MemoryMiB: 81559, ComputeMajor: 9, CUDAMajor: 13,
		MIGProfiles: "1g.10gb,1g.10gb.me,1g.20gb,2g.20gb,3g.40gb,4g.40gb,7g.80gb"}
	a100 = facts.Offer{Product: "NVIDIA-A100-SXM4-40GB", Family: "ampere", MemoryMiB: 40960, ComputeMajor: 8, CUDAMajor: 12, CUDAMinor: 4,
		MIGProfiles: "1g.10gb,1g.5gb,1g.5gb.me,2g.10gb,3g.20gb,4g.20gb,7g.40gb"}
)

func env(rcExists bool, offers ...facts.Offer) Env {
	return Env{
		RuntimeClassExists: func(context.Context, string) (bool, error) { return rcExists, nil },
		Offers: func() []Offer {
			var out []Offer
			for _, o := range offers {
				out = append(out, Offer{Offer: o, Nodes: 1})
			}
			return out
		},
	}
}

func gpuPod(resourceName string, ann map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "train", Namespace: "ml", Annotations: ann},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "main", Image: "cuda",
			Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceName(resourceName): resource.MustParse("1")}},
		}}},
	}
}

func policy(t testing.TB, yaml string) *config.Policy {
	t.Helper()
	p, err := config.Parse("policy.yaml", []byte(yaml))
	require.NoError(t, err)
	return p
}

// apply runs Mutate and applies its patch, as the API server would.
func apply(t testing.TB, p *corev1.Pod, pol *config.Policy, e Env) (*corev1.Pod, verdict.Verdict) {
	t.Helper()
	v, err := Mutate(context.Background(), p, pol, e)
	require.NoError(t, err)
	if len(v.Patch) == 0 {
		return p, v
	}
	raw, err := json.Marshal(p)
	require.NoError(t, err)
	ops, err := json.Marshal(v.Patch)
	require.NoError(t, err)
	patch, err := jsonpatch.DecodePatch(ops)
	require.NoError(t, err)
	out, err := patch.Apply(raw)
	require.NoError(t, err, "patch %s", ops)
	got := &corev1.Pod{}
	require.NoError(t, json.Unmarshal(out, got))
	return got, v
}

func TestMutateGPUPod(t *testing.T) {
	got, v := apply(t, gpuPod("nvidia.com/gpu", nil), config.Default(), env(true))
	assert.Empty(t, v.Warnings)
	assert.Equal(t, ptr.To("nvidia"), got.Spec.RuntimeClassName)
	assert.Equal(t, []corev1.Toleration{{Key: "nvidia.com/gpu", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}, got.Spec.Tolerations)
	terms := got.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	require.Len(t, terms, 1)
	assert.Equal(t, []corev1.NodeSelectorRequirement{{Key: "nvidia.com/gpu.present", Operator: corev1.NodeSelectorOpIn, Values: []string{"true"}}}, terms[0].MatchExpressions)
	paths := []string{}
	for _, op := range v.Patch {
		paths = append(paths, op.Op+" "+op.Path)
	}
	assert.Equal(t, []string{"add /spec/runtimeClassName", "add /spec/affinity", "add /spec/tolerations"}, paths, "only touched paths")
}

func TestMutateCases(t *testing.T) {
	t.Run("CPU pod untouched", func(t *testing.T) {
		v, err := Mutate(context.Background(), gpuPod("cpu", nil), config.Default(), env(true))
		require.NoError(t, err)
		assert.Empty(t, v.Patch)
	})
	t.Run("opt out", func(t *testing.T) {
		v, err := Mutate(context.Background(), gpuPod("nvidia.com/gpu", map[string]string{AnnotationInject: "false"}), config.Default(), env(true))
		require.NoError(t, err)
		assert.Empty(t, v.Patch)
	})
	t.Run("missing runtime class warns", func(t *testing.T) {
		got, v := apply(t, gpuPod("nvidia.com/gpu", nil), config.Default(), env(false))
		assert.Nil(t, got.Spec.RuntimeClassName)
		assert.Contains(t, v.Warnings[0], `RuntimeClass "nvidia" does not exist`)
	})
	t.Run("failed runtime class lookup warns with its error", func(t *testing.T) {
		e := env(true)
		e.RuntimeClassExists = func(context.Context, string) (bool, error) { return false, assert.AnError }
		got, v := apply(t, gpuPod("nvidia.com/gpu", nil), config.Default(), e)
		assert.Nil(t, got.Spec.RuntimeClassName)
		assert.Contains(t, v.Warnings[0], `RuntimeClass "nvidia" could not be looked up (`+assert.AnError.Error()+`), so gpuguard did not set it`)
	})
	t.Run("runtime class disabled", func(t *testing.T) {
		got, _ := apply(t, gpuPod("nvidia.com/gpu", nil), policy(t, "runtimeClassName: \"\"\n"), env(true))
		assert.Nil(t, got.Spec.RuntimeClassName)
	})
	t.Run("own runtime class kept", func(t *testing.T) {
		p := gpuPod("nvidia.com/gpu", nil)
		p.Spec.RuntimeClassName = ptr.To("kata")
		got, _ := apply(t, p, config.Default(), env(true))
		assert.Equal(t, "kata", *got.Spec.RuntimeClassName)
	})
	t.Run("MIG resources get tolerations too", func(t *testing.T) {
		got, _ := apply(t, gpuPod("nvidia.com/mig-1g.10gb", nil), policy(t, "migStrategy: mixed\n"), env(true))
		assert.Len(t, got.Spec.Tolerations, 1)
	})
	t.Run("existing toleration of every key", func(t *testing.T) {
		p := gpuPod("nvidia.com/gpu", nil)
		p.Spec.Tolerations = []corev1.Toleration{{Operator: corev1.TolerationOpExists}}
		got, _ := apply(t, p, config.Default(), env(true))
		assert.Len(t, got.Spec.Tolerations, 1)
	})
	t.Run("annotations become affinity", func(t *testing.T) {
		got, _ := apply(t, gpuPod("nvidia.com/gpu", map[string]string{
			AnnotationMemoryMin: "60Gi", AnnotationCCMin: "8.6", AnnotationFamily: "hopper,ampere",
		}), config.Default(), env(true))
		terms := got.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
		require.Len(t, terms, 2, "compute capability ≥ 8.6 splits the term")
		assert.Contains(t, terms[0].MatchExpressions, corev1.NodeSelectorRequirement{Key: "nvidia.com/gpu.memory", Operator: corev1.NodeSelectorOpGt, Values: []string{"61439"}})
		assert.Contains(t, terms[0].MatchExpressions, corev1.NodeSelectorRequirement{Key: "nvidia.com/gpu.compute.major", Operator: corev1.NodeSelectorOpGt, Values: []string{"8"}})
		assert.Contains(t, terms[1].MatchExpressions, corev1.NodeSelectorRequirement{Key: "nvidia.com/gpu.compute.minor", Operator: corev1.NodeSelectorOpGt, Values: []string{"5"}})
	})
}

func TestValidate(t *testing.T) {
	single := policy(t, "migStrategy: single\n")
	mixed := policy(t, "migStrategy: mixed\n")
	tests := map[string]struct {
		pod    *corev1.Pod
		pol    *config.Policy
		offers []facts.Offer
		rule   config.Rule
		want   string
	}{
		"plain GPU pod":             {pod: gpuPod("nvidia.com/gpu", nil), offers: []facts.Offer{h100}},
		"MIG under mixed":           {pod: gpuPod("nvidia.com/mig-1g.5gb", nil), pol: mixed, offers: []facts.Offer{a100}},
		"MIG under single":          {pod: gpuPod("nvidia.com/mig-1g.5gb", nil), pol: single, offers: []facts.Offer{a100}, rule: config.RuleMIGResources, want: "nvidia.com/mig-1g.5gb is advertised only with MIG strategy mixed; this cluster uses single (gpuguard policy migStrategy), where MIG devices are requested as nvidia.com/gpu"},
		"memory min met":            {pod: gpuPod("nvidia.com/gpu", map[string]string{AnnotationMemoryMin: "60Gi"}), offers: []facts.Offer{a100, h100}},
		"product nobody has":        {pod: gpuPod("nvidia.com/gpu", map[string]string{AnnotationProduct: "NVIDIA-B300"}), offers: []facts.Offer{a100, h100}, rule: config.RuleUnsatisfiable, want: "no GPU node in the cluster can run this pod (it asks for product NVIDIA-B300); the cluster offers: NVIDIA-A100-SXM4-40GB (ampere, 40960 MiB, compute 8.0, CUDA 12.4"},
		"CUDA too new":              {pod: gpuPod("nvidia.com/gpu", map[string]string{AnnotationCUDAMin: "13.1"}), offers: []facts.Offer{a100, h100}, rule: config.RuleUnsatisfiable, want: "CUDA 13.1 or newer"},
		"cc 8.6 met by hopper":      {pod: gpuPod("nvidia.com/gpu", map[string]string{AnnotationCCMin: "8.6"}), offers: []facts.Offer{a100, h100}},
		"MIG profile nobody offers": {pod: gpuPod("nvidia.com/mig-7g.80gb", nil), pol: mixed, offers: []facts.Offer{a100}, rule: config.RuleUnsatisfiable, want: "MIG profile 7g.80gb"},
		"no GPU nodes":              {pod: gpuPod("nvidia.com/gpu", nil), rule: config.RuleUnsatisfiable, want: "no labelled GPU nodes yet"},
		"bad memory":                {pod: gpuPod("nvidia.com/gpu", map[string]string{AnnotationMemoryMin: "lots"}), offers: []facts.Offer{h100}, rule: config.RuleAnnotations, want: "want a positive quantity of GPU memory, e.g. 40Gi"},
		// Issue 11: these overflowed int64 and silently became no requirement.
		"memory 8Ei":                 {pod: gpuPod("nvidia.com/gpu", map[string]string{AnnotationMemoryMin: "8Ei"}), offers: []facts.Offer{h100}, rule: config.RuleAnnotations, want: "more GPU memory than any GPU has; want at most 1Pi"},
		"memory 9000Pi":              {pod: gpuPod("nvidia.com/gpu", map[string]string{AnnotationMemoryMin: "9000Pi"}), offers: []facts.Offer{h100}, rule: config.RuleAnnotations, want: "more GPU memory than any GPU has"},
		"memory 1e100":               {pod: gpuPod("nvidia.com/gpu", map[string]string{AnnotationMemoryMin: "1e100"}), offers: []facts.Offer{h100}, rule: config.RuleAnnotations, want: "more GPU memory than any GPU has"},
		"bad compute capability":     {pod: gpuPod("nvidia.com/gpu", map[string]string{AnnotationCCMin: "8"}), offers: []facts.Offer{h100}, rule: config.RuleAnnotations, want: "want <major>.<minor>, e.g. 8.6"},
		"bad family":                 {pod: gpuPod("nvidia.com/gpu", map[string]string{AnnotationFamily: "Hopper"}), offers: []facts.Offer{h100}, rule: config.RuleAnnotations, want: `Unsupported value: "Hopper"`},
		"misspelt annotation":        {pod: gpuPod("nvidia.com/gpu", map[string]string{"gpuguard.io/gpu-memory-minimum": "40Gi"}), offers: []facts.Offer{h100}, rule: config.RuleAnnotations, want: "did you mean gpuguard.io/gpu-memory-min?"},
		"bad inject value":           {pod: gpuPod("nvidia.com/gpu", map[string]string{AnnotationInject: "no"}), offers: []facts.Offer{h100}, rule: config.RuleAnnotations, want: `supported values: "true", "false"`},
		"CPU pod with no annotation": {pod: gpuPod("cpu", nil)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pol := tc.pol
			if pol == nil {
				pol = config.Default()
			}
			v := Validate(tc.pod, pol, env(true, tc.offers...))
			if tc.rule == 0 {
				assert.Empty(t, v.Violations)
				return
			}
			require.Len(t, v.Violations, 1, "%v", v.Violations)
			assert.Equal(t, tc.rule, v.Violations[0].Rule)
			assert.Contains(t, v.Violations[0].Err.Error(), tc.want)
		})
	}
}

// A pod asking for zero GPUs is not a GPU pod: nothing is injected (issue 11).
func TestZeroGPUsIsNotAGPUPod(t *testing.T) {
	p := gpuPod("nvidia.com/gpu", nil)
	p.Spec.Containers[0].Resources.Limits["nvidia.com/gpu"] = resource.MustParse("0")
	v, err := Mutate(context.Background(), p, config.Default(), env(true, h100))
	require.NoError(t, err)
	assert.Empty(t, v.Patch)
}

// Property: mutate(mutate(x)) == mutate(x) for generated GPU pods.
func TestMutateIsIdempotent(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(opts ...string) string { return opts[rng.IntN(len(opts))] }
	pols := []*config.Policy{config.Default(), policy(t, "migStrategy: mixed\ngpuTaints: [nvidia.com/gpu, example.com/dedicated]\n")}
	for i := range 500 {
		ann := map[string]string{}
		for _, kv := range [][2]string{
			{AnnotationMemoryMin, pick("", "16Gi", "60Gi")}, {AnnotationCCMin, pick("", "8.0", "8.6", "9.0")},
			{AnnotationCUDAMin, pick("", "12.4", "13.0")}, {AnnotationFamily, pick("", "hopper", "ampere,hopper")},
			{AnnotationProduct, pick("", "NVIDIA-H100-80GB-HBM3")},
		} {
			if kv[1] != "" {
				ann[kv[0]] = kv[1]
			}
		}
		p := gpuPod(pick("nvidia.com/gpu", "nvidia.com/gpu.shared", "nvidia.com/mig-1g.10gb"), ann)
		switch rng.IntN(4) {
		case 1:
			p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
				NodeSelectorTerms: []corev1.NodeSelectorTerm{
					{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"a"}}}},
					{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"b"}}}},
				}}}}
		case 2:
			p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{}}
		case 3:
			p.Spec.Tolerations = []corev1.Toleration{{Key: "nvidia.com/gpu", Operator: corev1.TolerationOpExists}}
		}
		pol := pols[rng.IntN(len(pols))]
		once, _ := apply(t, p, pol, env(true))
		v, err := Mutate(context.Background(), once, pol, env(true))
		require.NoError(t, err)
		require.Empty(t, v.Patch, "pod %d: a second pass patches nothing, got %v", i, v.Patch)
	}
}

func BenchmarkPodMutation(b *testing.B) {
	p := gpuPod("nvidia.com/gpu", map[string]string{AnnotationMemoryMin: "40Gi", AnnotationCCMin: "8.6"})
	pol := config.Default()
	e := env(true, h100)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Mutate(context.Background(), p, pol, e); err != nil {
			b.Fatal(err)
		}
	}
}

// benchmarkFactsCheck validates a pod against an index of n nodes of four
// kinds: the check reads the aggregates, so its cost must not grow with n.
func benchmarkFactsCheck(b *testing.B, n int) {
	idx := facts.NewIndex()
	kinds := []map[string]string{
		{"nvidia.com/gpu.present": "true", "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3", "nvidia.com/gpu.memory": "81559", "nvidia.com/gpu.compute.major": "9"},
		{"nvidia.com/gpu.present": "true", "nvidia.com/gpu.product": "NVIDIA-A100-SXM4-40GB", "nvidia.com/gpu.memory": "40960", "nvidia.com/gpu.compute.major": "8"},
		{"nvidia.com/gpu.present": "true", "nvidia.com/gpu.product": "NVIDIA-H200-141GB-HBM3e", "nvidia.com/gpu.memory": "143771", "nvidia.com/gpu.compute.major": "9"},
		{"kubernetes.io/os": "linux"},
	}
	for i := range n {
		idx.Set(facts.FromLabels(fmt.Sprintf("node-%d", i), kinds[i%len(kinds)], nil))
	}
	p := gpuPod("nvidia.com/gpu", map[string]string{AnnotationProduct: "NVIDIA-B200-180GB-HBM3e"})
	pol := config.Default()
	e := Env{RuntimeClassExists: func(context.Context, string) (bool, error) { return true, nil }, Offers: idx.Offers}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		v := Validate(p, pol, e)
		if len(v.Violations) != 1 || !strings.Contains(v.Violations[0].Err.Error(), "no GPU node") {
			b.Fatal("expected an unsatisfiable pod")
		}
	}
}

func BenchmarkFactsCheck100(b *testing.B)   { benchmarkFactsCheck(b, 100) }
func BenchmarkFactsCheck10000(b *testing.B) { benchmarkFactsCheck(b, 10000) }
