package main

import (
	"fmt"
	"io"
	"time"
)

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// report prints the figures as the Markdown table docs/performance.md keeps.
func report(w io.Writer, o options, ps []phase) {
	fmt.Fprintf(w, "\n%d GPU pod creates and %d node label edits per size; latencies measured by the client through the API server.\n\n", o.requests, o.requests)
	fmt.Fprintln(w, "| nodes | webhook start to ready (informer sync) | process RSS / Go heap | GPU pod create p50 / p99 | CPU pod create p50 / p99 | added p50 / p99 | node label edit added p50 / p99 |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, p := range ps {
		fmt.Fprintf(w, "| %d | %s | %.0f MiB / %.0f MiB | %s / %s | %s / %s | %s / %s | %s / %s |\n", p.nodes, ms(p.sync), p.rss, p.heap,
			ms(quantile(p.pods.judged, 0.5)), ms(quantile(p.pods.judged, 0.99)),
			ms(quantile(p.pods.plain, 0.5)), ms(quantile(p.pods.plain, 0.99)),
			ms(p.pods.added(0.5)), ms(p.pods.added(0.99)), ms(p.node.added(0.5)), ms(p.node.added(0.99)))
	}
	if len(ps) == 2 && ps[0].pods.added(0.5) > 0 {
		fmt.Fprintf(w, "\nadded p50 at %d nodes / at %d nodes: %.2f×; added p99: %.2f×\n", ps[1].nodes, ps[0].nodes,
			float64(ps[1].pods.added(0.5))/float64(ps[0].pods.added(0.5)),
			float64(ps[1].pods.added(0.99))/float64(ps[0].pods.added(0.99)))
	}
}
