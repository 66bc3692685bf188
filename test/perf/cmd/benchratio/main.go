// Command benchratio reads `go test -bench` output of BenchmarkWebhook (one
// or more rounds, on stdin) and prints, for each review, gpuguard's ns/op,
// cpu-ns/op (CPU time per review) and allocs/op over each baseline's: the
// median of the per-round ratios.
package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/gpuguard/gpuguard/test/perf"
)

func main() {
	results, err := perf.ParseBench(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(1)
	}
	ratios := perf.Ratios(results, "ns/op", "cpu-ns/op", "allocs/op")
	if len(ratios) == 0 {
		fmt.Fprintln(os.Stderr, "benchratio: no <review>/gpuguard and <review>/<baseline> benchmark pairs on stdin; pipe `go test -bench BenchmarkWebhook ./test/perf` into it")
		os.Exit(1)
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "review\tbaseline\tunit\tgpuguard\tbaseline\tratio\trounds\t")
	for _, r := range ratios {
		fmt.Fprintf(w, "%s\t%s\t%s\t%.0f\t%.0f\t%.2f×\t%d\t\n", strings.TrimPrefix(r.Review, "Webhook/"), r.Baseline, r.Unit, r.Gpuguard, r.Base, r.Ratio, r.Rounds)
	}
	_ = w.Flush()
}
