// Command gpuguard-local runs gpuguard on a local control plane: a real etcd,
// kube-apiserver, kube-scheduler and kube-controller-manager built from
// source, kwok in the kubelets' place, the webhook server, and simulated GPU
// nodes. `make run` starts it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/gpuguard/gpuguard/test/harness"
)

type options struct {
	dir        string
	policyFile string
}

func main() {
	var o options
	flag.StringVar(&o.dir, "dir", ".gpuguard-local", "directory for the kubeconfig and the ready marker")
	flag.StringVar(&o.policyFile, "policy-file", "", "webhook policy file (default: the chart's, migStrategy auto, following the ClusterPolicy's mixed)")
	zo := zap.Options{Development: true}
	zo.BindFlags(flag.CommandLine)
	flag.Parse()
	log := zap.New(zap.UseFlagOptions(&zo))
	ctrl.SetLogger(log)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o, log, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gpuguard-local:", err)
		os.Exit(1)
	}
}

// run starts the stack, announces it and blocks until ctx is done.
func run(ctx context.Context, o options, log logr.Logger, out io.Writer) error {
	dir, err := filepath.Abs(o.dir)
	if err != nil {
		return fmt.Errorf("resolving --dir: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating --dir: %w", err)
	}
	ready := filepath.Join(dir, "ready")
	// A marker left by a killed run must not announce this one early.
	if err := os.Remove(ready); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("removing stale ready marker: %w", err)
	}
	stack, err := harness.StartStack(ctx, harness.StackOptions{Dir: dir, PolicyFile: o.policyFile, Log: log})
	if err != nil {
		return err
	}
	defer func() {
		_ = os.Remove(ready)
		if err := stack.Stop(context.Background()); err != nil {
			log.Error(err, "stopping")
		}
	}()
	if err := os.WriteFile(ready, nil, 0o644); err != nil {
		return fmt.Errorf("writing ready marker: %w", err)
	}
	kc := stack.Kubeconfig
	fmt.Fprintf(out, `
gpuguard is running on a local control plane with kube-scheduler,
kube-controller-manager and kwok (nodes: %d, all Ready). In another shell:

  export KUBECONFIG=%s
  kubectl get nodes -L nvidia.com/gpu.product,nvidia.com/gpu.count,nvidia.com/mig-1g.5gb.count
  kubectl apply -f config/samples/
  kubectl get pods -A -o wide
  kubectl label node gpu-h100-0 nvidia.com/gpu.deploy.dcgm-exporter=false --overwrite
  kubectl patch clusterpolicy cluster-policy --type=merge -p '{"spec":{"mig":{"strategy":"single"}}}'
  kubectl get events -A --field-selector reason=MIGStrategyFollowed

Press Ctrl-C to stop; every process started here stops with it.
`, len(stack.Fleet), kc)
	<-ctx.Done()
	fmt.Fprintln(out, "stopping gpuguard-local ...")
	return nil
}
