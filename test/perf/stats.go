package perf

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Percentile returns the p-th percentile (0–100) of ds by nearest rank; ds
// is sorted in place. Zero for no samples.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(float64(len(ds))*p/100+0.5) - 1
	return ds[max(0, min(i, len(ds)-1))]
}

// Median returns the median of xs (the mean of the middle two for an even
// count); xs is sorted in place. Zero for no samples.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// BenchResult is one line of `go test -bench` output.
type BenchResult struct {
	// Name without the "Benchmark" prefix and the -GOMAXPROCS suffix.
	Name   string
	Values map[string]float64 // by unit: "ns/op", "B/op", "allocs/op"
}

// ParseBench reads `go test -bench` output, in the order of its lines; the
// same name appears once per round.
func ParseBench(r io.Reader) ([]BenchResult, error) {
	var out []BenchResult
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		res := BenchResult{Name: name, Values: map[string]float64{}}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("benchmark line %q: value %q: %w", sc.Text(), f[i], err)
			}
			res.Values[f[i+1]] = v
		}
		out = append(out, res)
	}
	return out, sc.Err()
}

// Ratio is gpuguard's cost over a baseline's for one review and unit: the
// median over rounds of the per-round ratio, so that each ratio compares
// measurements taken next to each other.
type Ratio struct {
	Review, Baseline, Unit string
	Gpuguard, Base         float64 // medians
	Ratio                  float64
	Rounds                 int
}

// Ratios pairs each "<review>/gpuguard" result with "<review>/<baseline>"
// of the same round, for each unit.
func Ratios(results []BenchResult, units ...string) []Ratio {
	type key struct{ review, variant string }
	rounds := map[key][]BenchResult{}
	var order []key
	for _, r := range results {
		i := strings.LastIndexByte(r.Name, '/')
		if i < 0 {
			continue
		}
		k := key{r.Name[:i], r.Name[i+1:]}
		if _, seen := rounds[k]; !seen {
			order = append(order, k)
		}
		rounds[k] = append(rounds[k], r)
	}
	var out []Ratio
	for _, k := range order {
		if k.variant == "gpuguard" {
			continue
		}
		ours := rounds[key{k.review, "gpuguard"}]
		base := rounds[k]
		n := min(len(ours), len(base))
		if n == 0 {
			continue
		}
		for _, u := range units {
			var rs, gs, bs []float64
			for i := range n {
				g, b := ours[i].Values[u], base[i].Values[u]
				gs, bs = append(gs, g), append(bs, b)
				if b > 0 {
					rs = append(rs, g/b)
				}
			}
			if len(rs) == 0 {
				continue // a unit this run did not report
			}
			out = append(out, Ratio{Review: k.review, Baseline: k.variant, Unit: u,
				Gpuguard: Median(gs), Base: Median(bs), Ratio: Median(rs), Rounds: n})
		}
	}
	return out
}
