package labeler

import (
	"fmt"
	"maps"
	"slices"

	"github.com/gpuguard/gpuguard/labeler/device"
)

// fullGPULabels are the nvidia.com/gpu.* labels GFD v0.18.0 writes under
// every strategy (newGPULabelers in NVIDIA/k8s-device-plugin
// internal/lm/mig-strategy.go, NewGPUResourceLabeler in resource.go).
//
// GFD groups the GPUs by model name. Each model gets one labeler: product,
// count (every GPU of that model, MIG on or off), memory, family and
// compute capability of its last GPU, sharing-strategy none, and
// replicas 1 — or 0 when all GPUs of the model have MIG on, because GFD
// builds those "without sharing". MIG-enabled models are merged first and
// models with a whole GPU after them, so a whole GPU's model wins. GFD
// iterates Go maps, so among several models of one kind the winner is
// random; we pick the model of the lowest-index GPU, one of the answers GFD
// can give, every time.
func fullGPULabels(gpus []device.GPU) Labels {
	type model struct {
		rep   device.GPU // the last GPU of the model, whole ones first
		count int
		whole bool
	}
	models := map[string]*model{}
	var order []string // by first appearance, i.e. lowest GPU index
	for _, g := range gpus {
		m, ok := models[g.Name]
		if !ok {
			m = &model{}
			models[g.Name] = m
			order = append(order, g.Name)
		}
		m.count++
		if !g.MIGEnabled {
			m.whole, m.rep = true, g
		} else if !m.whole {
			m.rep = g
		}
	}
	out := Labels{}
	for _, whole := range []bool{false, true} {
		for _, name := range slices.Backward(order) {
			if m := models[name]; m.whole == whole {
				maps.Copy(out, modelLabels(m.rep, m.count, whole))
			}
		}
	}
	return out
}

// modelLabels are one model's full-GPU labels; replicas is 1 for a labeler
// with sharing (GFD passes its config) and 0 without.
func modelLabels(g device.GPU, count int, sharing bool) Labels {
	replicas := "0"
	if sharing {
		replicas = "1"
	}
	l := Labels{
		gpuResource + ".product":          sanitizeName(g.Name),
		gpuResource + ".count":            fmt.Sprint(count),
		gpuResource + ".replicas":         replicas,
		gpuResource + ".sharing-strategy": "none",
	}
	// GFD leaves the memory label out when NVML reports no memory.
	if g.MemoryMiB != 0 {
		l[gpuResource+".memory"] = fmt.Sprint(g.MemoryMiB)
	}
	maps.Copy(l, archLabels(g))
	return l
}
