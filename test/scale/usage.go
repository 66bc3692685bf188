package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// usage is what the process has used so far: resident memory now and at
// its peak (/proc/<pid>/status), CPU time (/proc/<pid>/stat) and, from its
// metrics endpoint, the Go heap in use and the webhook handlers' latency.
type usage struct {
	rss, hwm, heap float64 // MiB
	cpu            time.Duration
	// served is, per webhook path, the requests handled and their total
	// handling time as controller-runtime measured it.
	served map[string]served
}

type served struct {
	n   float64
	sum time.Duration
}

func (p *webhookProc) usage(ctx context.Context) (usage, error) {
	u := usage{served: map[string]served{}}
	pid := p.Pid()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return u, fmt.Errorf("reading the webhook's memory: %w", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, _ := strings.Cut(line, ":")
		kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
		switch k {
		case "VmRSS":
			u.rss = kb / 1024
		case "VmHWM":
			u.hwm = kb / 1024
		}
	}
	if u.cpu, err = cpuTime(pid); err != nil {
		return u, err
	}
	return u, p.scrape(ctx, &u)
}

// cpuTime is utime+stime of /proc/<pid>/stat. Fields are counted after the
// command name's closing parenthesis, which may itself hold spaces.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("reading the webhook's CPU time: %w", err)
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat: %q", pid, s)
	}
	// Fields 14 and 15 of proc(5), in clock ticks (USER_HZ, 100 on Linux).
	ut, err1 := strconv.ParseInt(fields[11], 10, 64)
	st, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("parsing /proc/%d/stat: %w", pid, err)
	}
	return time.Duration(ut+st) * 10 * time.Millisecond, nil
}

// scrape reads a few series of the Prometheus text format; the format's
// lines are `name{labels} value`.
func (p *webhookProc) scrape(ctx context.Context, u *usage) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/metrics", p.env.metrics), nil)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("scraping the webhook's metrics: %w", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		sp := strings.LastIndexByte(line, ' ')
		if sp < 0 || strings.HasPrefix(line, "#") {
			continue
		}
		v, err := strconv.ParseFloat(line[sp+1:], 64)
		if err != nil {
			continue
		}
		name, labels, _ := strings.Cut(line[:sp], "{")
		switch name {
		case "go_memstats_heap_inuse_bytes":
			u.heap = v / (1 << 20)
		case "controller_runtime_webhook_latency_seconds_sum", "controller_runtime_webhook_latency_seconds_count":
			path := labelValue(labels, "webhook")
			s := u.served[path]
			if strings.HasSuffix(name, "_sum") {
				s.sum = time.Duration(v * float64(time.Second))
			} else {
				s.n = v
			}
			u.served[path] = s
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading the webhook's metrics: %w", err)
	}
	return nil
}

func labelValue(labels, key string) string {
	_, v, ok := strings.Cut(labels, key+`="`)
	if !ok {
		return ""
	}
	v, _, _ = strings.Cut(v, `"`)
	return v
}

// since is what the process used between two readings: CPU time and
// handler time are differences, memory is the later reading.
func (u usage) since(before usage) usage {
	d := u
	d.cpu -= before.cpu
	d.served = map[string]served{}
	for k, s := range u.served {
		b := before.served[k]
		d.served[k] = served{n: s.n - b.n, sum: s.sum - b.sum}
	}
	return d
}

// add sums another interval's CPU and handler time into u.
func (u *usage) add(d usage) {
	u.cpu += d.cpu
	for k, s := range d.served {
		t := u.served[k]
		u.served[k] = served{n: t.n + s.n, sum: t.sum + s.sum}
	}
}
