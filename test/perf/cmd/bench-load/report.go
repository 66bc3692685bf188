package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/gpuguard/gpuguard/test/perf"
)

// target is one server path under load and what it measured.
type target struct {
	name, url string
	clients   perf.Clients
	sample    perf.Sample
}

// table prints one row per target: rate, p50 and p99, and for each
// baseline gpuguard's rate, p50 and p99 over the baseline's.
type table struct {
	w *tabwriter.Writer
}

func newTable(out io.Writer, first string) table {
	t := table{w: tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)}
	fmt.Fprintf(t.w, "%s\tconns\ttarget\treviews/s\tp50\tp99\tgpuguard/target: rate\tp50\tp99\t\n", first)
	return t
}

func (t table) rows(label string, conns int, ours perf.Sample, targets []*target) {
	gr, g50, g99 := ours.Rate(), perf.Percentile(ours.Latencies, 50), perf.Percentile(ours.Latencies, 99)
	for _, tg := range targets {
		s := tg.sample
		r, p50, p99 := s.Rate(), perf.Percentile(s.Latencies, 50), perf.Percentile(s.Latencies, 99)
		fmt.Fprintf(t.w, "%s\t%d\t%s\t%.0f\t%s\t%s\t%s\t%s\t%s\t\n", label, conns, tg.name, r, ms(p50), ms(p99),
			ratio(gr, r), ratio(float64(g50), float64(p50)), ratio(float64(g99), float64(p99)))
	}
}

func (t table) flush() { _ = t.w.Flush() }

func ms(d time.Duration) string { return fmt.Sprintf("%.3fms", float64(d)/float64(time.Millisecond)) }

func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", a/b)
}
