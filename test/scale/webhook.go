package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gpuguard/gpuguard/certs"
	"github.com/gpuguard/gpuguard/test/harness"
)

// webhookEnv is what every webhook process of a run shares: the binary, a
// kubeconfig acting as the chart's webhook service account, the serving
// certificate and the chart's webhook configurations.
type webhookEnv struct {
	cp                     *harness.ControlPlane
	dir, bin, kubeconfig   string
	certDir, policy, caPEM string
	port, metrics, health  int
	muts                   []*admissionregistrationv1.MutatingWebhookConfiguration
	vals                   []*admissionregistrationv1.ValidatingWebhookConfiguration
	registered             bool
	// startTimeout bounds exec to ready (the informer's first list at
	// 5,000 nodes on a loaded machine); stopTimeout SIGTERM to SIGKILL.
	startTimeout, stopTimeout time.Duration
}

// newWebhookEnv builds gpuguard-webhook (unless bin is given), issues a
// serving certificate for 127.0.0.1 with the self-managed source's own code
// and writes a kubeconfig that impersonates the webhook's service account,
// so the chart's RBAC is what the process gets.
func newWebhookEnv(ctx context.Context, cp *harness.ControlPlane, dir, bin, policy string, chart *harness.Rendered) (*webhookEnv, error) {
	e := &webhookEnv{cp: cp, dir: dir, bin: bin, policy: policy,
		muts:         harness.OfType[*admissionregistrationv1.MutatingWebhookConfiguration](chart),
		vals:         harness.OfType[*admissionregistrationv1.ValidatingWebhookConfiguration](chart),
		startTimeout: 3 * time.Minute, stopTimeout: 20 * time.Second}
	if len(e.muts) == 0 || len(e.vals) == 0 {
		return nil, errors.New("the rendered chart has no webhook configurations")
	}
	if e.bin == "" {
		e.bin = filepath.Join(dir, "gpuguard-webhook")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", e.bin, "github.com/gpuguard/gpuguard/cmd/gpuguard-webhook")
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("building gpuguard-webhook: %w", err)
		}
	}
	var err error
	for _, p := range []*int{&e.port, &e.metrics, &e.health} {
		if *p, err = harness.FreePort(); err != nil {
			return nil, err
		}
	}
	if err := e.writeCerts(ctx); err != nil {
		return nil, err
	}
	return e, e.writeKubeconfig()
}

// writeCerts has certs.SelfManaged create the release's TLS Secret (CA and
// a serving certificate for 127.0.0.1) and writes its pair where
// --cert-mode=file reads it, as a mounted cert-manager Secret would be.
func (e *webhookEnv) writeCerts(ctx context.Context) error {
	src := &certs.SelfManaged{Client: e.cp.Clientset, Namespace: harness.Namespace, SecretName: harness.TLSSecret,
		IPs: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"}}
	if err := src.Ensure(ctx); err != nil {
		return fmt.Errorf("issuing the serving certificate: %w", err)
	}
	sec, err := e.cp.Clientset.CoreV1().Secrets(harness.Namespace).Get(ctx, harness.TLSSecret, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("reading the serving certificate: %w", err)
	}
	e.caPEM = string(sec.Data["ca.crt"])
	e.certDir = filepath.Join(e.dir, "certs")
	if err := os.MkdirAll(e.certDir, 0o700); err != nil {
		return fmt.Errorf("creating the certificate directory: %w", err)
	}
	for _, k := range []string{"tls.crt", "tls.key"} {
		if err := os.WriteFile(filepath.Join(e.certDir, k), sec.Data[k], 0o600); err != nil {
			return fmt.Errorf("writing %s: %w", k, err)
		}
	}
	return nil
}

func (e *webhookEnv) writeKubeconfig() error {
	kc, err := clientcmd.LoadFromFile(e.cp.Kubeconfig)
	if err != nil {
		return fmt.Errorf("reading the admin kubeconfig: %w", err)
	}
	for _, a := range kc.AuthInfos {
		a.Impersonate = "system:serviceaccount:" + harness.Namespace + ":" + harness.Release + "-webhook"
		a.ImpersonateGroups = []string{"system:serviceaccounts", "system:serviceaccounts:" + harness.Namespace, "system:authenticated"}
	}
	e.kubeconfig = filepath.Join(e.dir, "webhook.kubeconfig")
	if err := clientcmd.WriteToFile(*kc, e.kubeconfig); err != nil {
		return fmt.Errorf("writing the webhook's kubeconfig: %w", err)
	}
	return nil
}

// register creates the chart's webhook configurations pointed at
// https://127.0.0.1:<port>, trusting the CA of writeCerts.
func (e *webhookEnv) register(ctx context.Context) error {
	point := func(cc *admissionregistrationv1.WebhookClientConfig) {
		if cc.Service != nil {
			u := fmt.Sprintf("https://127.0.0.1:%d%s", e.port, *cc.Service.Path)
			cc.URL, cc.Service = &u, nil
		}
		cc.CABundle = []byte(e.caPEM)
	}
	var objs []client.Object
	for _, m := range e.muts {
		m = m.DeepCopy()
		for i := range m.Webhooks {
			point(&m.Webhooks[i].ClientConfig)
		}
		objs = append(objs, m)
	}
	for _, v := range e.vals {
		v = v.DeepCopy()
		for i := range v.Webhooks {
			point(&v.Webhooks[i].ClientConfig)
		}
		objs = append(objs, v)
	}
	for _, o := range objs {
		if err := e.cp.Client.Create(ctx, o); err != nil {
			return fmt.Errorf("registering %s: %w", o.GetName(), err)
		}
	}
	e.registered = true
	return nil
}

// unregister deletes the configurations, so the API server stops calling a
// server that is gone (the node webhook fails closed).
func (e *webhookEnv) unregister(ctx context.Context) error {
	if !e.registered {
		return nil
	}
	var errs []error
	for _, m := range e.muts {
		errs = append(errs, client.IgnoreNotFound(e.cp.Client.Delete(ctx, m.DeepCopy())))
	}
	for _, v := range e.vals {
		errs = append(errs, client.IgnoreNotFound(e.cp.Client.Delete(ctx, v.DeepCopy())))
	}
	e.registered = false
	return errors.Join(errs...)
}

// webhookProc is one gpuguard-webhook process.
type webhookProc struct {
	env  *webhookEnv
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

// start runs the binary with the flags an install passes it (file
// certificates, loopback metrics) and returns once /readyz answers 200,
// which it does only after the Node informer has synced: the time from
// exec to ready is returned.
func (e *webhookEnv) start(ctx context.Context, name string) (*webhookProc, time.Duration, error) {
	p := &webhookProc{env: e, log: filepath.Join(e.dir, name+".log"), done: make(chan struct{})}
	f, err := os.Create(p.log)
	if err != nil {
		return nil, 0, fmt.Errorf("creating the webhook's log: %w", err)
	}
	p.cmd = exec.Command(e.bin,
		"--kubeconfig="+e.kubeconfig,
		"--policy-file="+e.policy,
		"--host=127.0.0.1", "--port="+strconv.Itoa(e.port),
		"--cert-mode=file", "--cert-dir="+e.certDir,
		fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", e.metrics),
		fmt.Sprintf("--health-probe-bind-address=127.0.0.1:%d", e.health),
		// Nothing drains between phases: no request is in flight.
		"--drain-delay=-1s", "--shutdown-timeout=5s")
	p.cmd.Stdout, p.cmd.Stderr = f, f
	p.cmd.SysProcAttr = childAttrs()
	begin := time.Now()
	if err := p.cmd.Start(); err != nil {
		_ = f.Close()
		return nil, 0, fmt.Errorf("starting %s: %w", e.bin, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		_ = f.Close()
		close(p.done)
	}()
	if err := p.waitReady(ctx); err != nil {
		return nil, 0, errors.Join(err, p.stop())
	}
	return p, time.Since(begin), nil
}

func (p *webhookProc) waitReady(ctx context.Context) error {
	c := &http.Client{Timeout: 2 * time.Second}
	url := fmt.Sprintf("http://127.0.0.1:%d/readyz", p.env.health)
	deadline := time.Now().Add(p.env.startTimeout)
	for {
		select {
		case <-p.done:
			return fmt.Errorf("gpuguard-webhook exited (%w); see %s:\n%s", p.err, p.log, tail(p.log))
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := c.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("gpuguard-webhook not ready after %s; see %s:\n%s", p.env.startTimeout, p.log, tail(p.log))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop sends SIGTERM and, after stopTimeout, SIGKILL.
func (p *webhookProc) stop() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stopping gpuguard-webhook: %w", err)
	}
	select {
	case <-p.done:
	case <-time.After(p.env.stopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	return nil
}

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
	pid := p.cmd.Process.Pid
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

func tail(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return strings.Join(lines, "\n")
}
