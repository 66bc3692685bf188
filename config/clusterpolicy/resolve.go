package clusterpolicy

import (
	"fmt"
	"sync/atomic"

	"github.com/gpuguard/gpuguard/config"
)

// Resolve decides the MIG strategy in force from the configured one (the
// policy's migStrategy or the labeler's --mig-strategy) and the ClusterPolicy:
//   - auto follows the ClusterPolicy (unset there: none), and is none
//     without one;
//   - an explicit value wins, and is a Conflict when a ClusterPolicy says
//     otherwise, because the device plugin and GFD follow the ClusterPolicy.
func Resolve(configured config.MIGStrategy, o Observation) config.StrategyResolution {
	operator := config.MIGStrategy(o.Strategy)
	if operator == "" {
		operator = config.MIGStrategyNone
	}
	r := config.StrategyResolution{Operator: operator, OperatorFound: o.Found}
	switch {
	case configured != config.MIGStrategyAuto && configured != "":
		r.Strategy, r.Source = configured, "gpuguard policy migStrategy"
		r.Conflict = o.Found && operator != configured
	case o.Found:
		r.Strategy = operator
		r.Source = fmt.Sprintf("GPU Operator ClusterPolicy %s spec.mig.strategy", o.Name)
		if o.Strategy == "" {
			r.Source += " (unset: none)"
		}
	case o.Err != nil:
		r.Strategy = config.MIGStrategyNone
		r.Source = fmt.Sprintf("migStrategy auto, but the GPU Operator's ClusterPolicy cannot be read (%v), so none", o.Err)
	default:
		r.Strategy = config.MIGStrategyNone
		r.Source = "migStrategy auto and no GPU Operator ClusterPolicy, so none"
	}
	return r
}

// Resolver serves a policy with its MIG strategy resolved against the
// ClusterPolicy: a copy of the base policy with MIGStrategyResolved set. The
// copy is cached until the base policy or the watch changes, so a decision
// costs two atomic loads.
type Resolver struct {
	base    func() *config.Policy
	watcher *Watcher
	cache   atomic.Pointer[resolved]
}

type resolved struct {
	base *config.Policy
	gen  uint64
	out  *config.Policy
}

// NewResolver resolves the policies base returns against w.
func NewResolver(base func() *config.Policy, w *Watcher) *Resolver {
	return &Resolver{base: base, watcher: w}
}

// Current returns the resolved policy. Callers must not modify it.
func (r *Resolver) Current() *config.Policy {
	p := r.base()
	gen := r.watcher.Generation()
	if c := r.cache.Load(); c != nil && c.base == p && c.gen == gen {
		return c.out
	}
	res := Resolve(p.MIGStrategy, r.watcher.Observe())
	out := *p
	out.MIGStrategyResolved = &res
	r.cache.Store(&resolved{base: p, gen: gen, out: &out})
	return &out
}
