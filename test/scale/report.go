package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// machine is where and when the run happened, for the record.
type machine struct {
	date               time.Time
	cpu                string
	loadStart, loadEnd string
}

func machineNow() *machine {
	m := &machine{date: time.Now().UTC(), loadStart: loadavg()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

func (m *machine) end() { m.loadEnd = loadavg() }

// loadavg is the 1, 5 and 15 minute load averages of /proc/loadavg.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func podsOf(r round) pair  { return r.pods }
func editsOf(r round) pair { return r.edits }

// addedP50s is each round's added p50.
func addedP50s(rs []round, of func(round) pair) []time.Duration {
	out := make([]time.Duration, len(rs))
	for i, r := range rs {
		out[i] = of(r).added(0.5)
	}
	return out
}

// pooled is every round's latencies together, for p99.
func pooled(rs []round, of func(round) pair) pair {
	var p pair
	for _, r := range rs {
		p.merge(of(r))
	}
	return p
}

// perOp is d spread over n operations.
func perOp(d time.Duration, n float64) time.Duration {
	if n == 0 {
		return 0
	}
	return time.Duration(float64(d) / n)
}

// handler is the mean time the webhook's handlers took per operation, over
// the given paths (a GPU pod create passes the mutating and the validating
// pod webhook).
func handler(u usage, n float64, paths ...string) time.Duration {
	var sum time.Duration
	for _, p := range paths {
		sum += u.served[p].sum
	}
	return perOp(sum, n)
}

// report prints the figures as the Markdown tables docs/performance.md keeps.
func report(w io.Writer, o options, m *machine, ps []phase, took time.Duration) {
	fmt.Fprintf(w, "\n## bench-scale, %s\n\n", m.date.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(w, "%d CPUs (GOMAXPROCS %d), %s; load average %s at the start, %s at the end; run took %s.\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), m.cpu, m.loadStart, m.loadEnd, took.Round(time.Second))
	fmt.Fprintf(w, "Per measurement: %d rounds of %d GPU pod creates (each followed by a CPU one) and %d deploy-label edits (each followed by a skipped-label edit).\n\n",
		o.rounds, o.pairs, o.edits)
	fmt.Fprintln(w, "| phase | nodes | start to ready | RSS (peak) | Go heap | GPU create p50 / p99 | CPU create p50 / p99 | added p50 (median of rounds) / p99 | webhook per GPU create: handlers / CPU | label edit added p50 / p99 | node webhook per edit: handler / CPU |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|")
	for _, p := range ps {
		pods, edits := pooled(p.rounds, podsOf), pooled(p.rounds, editsOf)
		nPods, nEdits := float64(len(pods.judged)), float64(len(edits.judged))
		fmt.Fprintf(w, "| %s | %d | %s | %.0f MiB (%.0f MiB) | %.0f MiB | %s / %s | %s / %s | %s / %s | %s / %s | %s / %s | %s / %s |\n",
			p.name, p.nodes, ms(p.ready), p.mem.rss, p.mem.hwm, p.mem.heap,
			ms(quantile(pods.judged, 0.5)), ms(quantile(pods.judged, 0.99)),
			ms(quantile(pods.plain, 0.5)), ms(quantile(pods.plain, 0.99)),
			ms(median(addedP50s(p.rounds, podsOf))), ms(pods.added(0.99)),
			ms(handler(p.podUse, nPods, "/mutate-pods", "/validate-pods")), ms(perOp(p.podUse.cpu, nPods)),
			ms(median(addedP50s(p.rounds, editsOf))), ms(edits.added(0.99)),
			ms(handler(p.editUse, nEdits, "/validate-nodes")), ms(perOp(p.editUse.cpu, nEdits)))
	}
	summary(w, ps)
}

// summary compares the large fleet with the small one measured before and
// after it, against the goals.
func summary(w io.Writer, ps []phase) {
	var small, large []round
	var big *phase
	for i := range ps {
		if strings.HasPrefix(ps[i].name, "large") {
			large, big = append(large, ps[i].rounds...), &ps[i]
		} else {
			small = append(small, ps[i].rounds...)
		}
	}
	if big == nil || len(small) == 0 {
		return
	}
	s, l := median(addedP50s(small, podsOf)), median(addedP50s(large, podsOf))
	ratio := func(a, b time.Duration) string {
		if b <= 0 {
			return "n/a (small-fleet figure ≤ 0)"
		}
		return fmt.Sprintf("%.2f×", float64(a)/float64(b))
	}
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	fmt.Fprintln(w, "\n| summary | small fleet | large fleet | ratio | goal |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	fmt.Fprintf(w, "| GPU pod create added p50 (median of %d and %d rounds) | %s | %s | %s | ≤ 1.2×: %s |\n",
		len(small), len(large), ms(s), ms(l), ratio(l, s), verdict(s > 0 && float64(l) <= 1.2*float64(s)))
	sp := pooled(small, podsOf)
	lp := pooled(large, podsOf)
	fmt.Fprintf(w, "| GPU pod create added p99 | %s | %s | %s | |\n", ms(sp.added(0.99)), ms(lp.added(0.99)), ratio(lp.added(0.99), sp.added(0.99)))
	se, le := median(addedP50s(small, editsOf)), median(addedP50s(large, editsOf))
	fmt.Fprintf(w, "| node label edit added p50 | %s | %s | %s | |\n", ms(se), ms(le), ratio(le, se))
	fmt.Fprintf(w, "| webhook start to ready (informer list and sync) | %s | %s | %s | |\n", ms(ps[0].ready), ms(big.ready), ratio(big.ready, ps[0].ready))
	fmt.Fprintf(w, "| webhook RSS after the load | %.0f MiB | %.0f MiB | | ≤ 150 MiB: %s |\n", ps[0].mem.rss, big.mem.rss, verdict(big.mem.rss <= 150))
	fmt.Fprintf(w, "| webhook peak RSS (VmHWM) | %.0f MiB | %.0f MiB | | |\n", ps[0].mem.hwm, big.mem.hwm)
}
