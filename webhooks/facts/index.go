package facts

import (
	"sort"
	"sync"
)

// Index holds the facts of every Node and aggregates over them. It is safe
// for concurrent use: the informer writes, admission requests read.
//
// Aggregates are kept up to date on every change so that a question such as
// "does any node offer an H100?" costs O(number of distinct GPU offers), not
// O(number of nodes).
type Index struct {
	mu      sync.RWMutex
	nodes   map[string]Node
	offers  map[Offer]int
	enabled map[string]int // component -> nodes with deploy.<component>=true
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{nodes: map[string]Node{}, offers: map[Offer]int{}, enabled: map[string]int{}}
}

// Set records the facts of a node, replacing what was known of it.
func (i *Index) Set(n Node) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if old, ok := i.nodes[n.Name]; ok {
		i.count(old, -1)
	}
	i.nodes[n.Name] = n
	i.count(n, +1)
}

// Delete forgets a node.
func (i *Index) Delete(name string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if old, ok := i.nodes[name]; ok {
		i.count(old, -1)
		delete(i.nodes, name)
	}
}

func (i *Index) count(n Node, d int) {
	if n.HasGPU() {
		i.offers[n.Offer] += d
		if i.offers[n.Offer] == 0 {
			delete(i.offers, n.Offer)
		}
	}
	for c, v := range n.Deploy {
		if v == "true" {
			i.enabled[c] += d
			if i.enabled[c] == 0 {
				delete(i.enabled, c)
			}
		}
	}
}

// Get returns the facts of the named node.
func (i *Index) Get(name string) (Node, bool) {
	i.mu.RLock()
	defer i.mu.RUnlock()
	n, ok := i.nodes[name]
	return n, ok
}

// Len returns the number of nodes known.
func (i *Index) Len() int {
	i.mu.RLock()
	defer i.mu.RUnlock()
	return len(i.nodes)
}

// OfferCount is one distinct offer and how many nodes make it.
type OfferCount struct {
	Offer
	Nodes int
}

// Offers returns every distinct GPU offer in the cluster, most common first.
func (i *Index) Offers() []OfferCount {
	i.mu.RLock()
	out := make([]OfferCount, 0, len(i.offers))
	for o, n := range i.offers {
		out = append(out, OfferCount{Offer: o, Nodes: n})
	}
	i.mu.RUnlock()
	sort.Slice(out, func(a, b int) bool {
		if out[a].Nodes != out[b].Nodes {
			return out[a].Nodes > out[b].Nodes
		}
		return out[a].Product < out[b].Product
	})
	return out
}

// EnabledNodes returns how many nodes carry nvidia.com/gpu.deploy.<component>=true.
func (i *Index) EnabledNodes(component string) int {
	i.mu.RLock()
	defer i.mu.RUnlock()
	return i.enabled[component]
}
