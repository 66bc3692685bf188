// Command gpuguard-labeler keeps a node's nvidia.com/* labels true to its
// GPUs, in GPU Feature Discovery's format.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/gpuguard/gpuguard/labeler/app"
)

func main() {
	var c app.Config
	var deploy, metricsAddr string
	flag.StringVar(&c.NodeName, "node-name", os.Getenv("NODE_NAME"), "node to label (env NODE_NAME); without it no API call is made")
	flag.StringVar(&c.MIGStrategy, "mig-strategy", envOr("MIG_STRATEGY", "auto"), "MIG strategy: auto (the GPU Operator's ClusterPolicy spec.mig.strategy, followed live; none without one), none, single or mixed (env MIG_STRATEGY)")
	flag.DurationVar(&c.SleepInterval, "sleep-interval", time.Minute, "time between labelling cycles")
	flag.BoolVar(&c.Oneshot, "oneshot", false, "label once and exit")
	flag.StringVar(&c.OutputFile, "output-file", "", `also write the labels as "key=value" lines to this file ("-": stdout)`)
	flag.StringVar(&c.MachineTypeFile, "machine-type-file", "/sys/class/dmi/id/product_name", "file whose first line names the machine")
	flag.BoolVar(&c.FailOnInitError, "fail-on-init-error", true, "exit if NVML is present but fails to initialise (a node without NVML is never an error)")
	flag.BoolVar(&c.Timestamp, "timestamp", false, "write nvidia.com/gfd.timestamp (off: it changes every restart and churns labels)")
	flag.StringVar(&c.Simulate, "simulate", "", "read a go-nvml mock server instead of NVML: <dgxa100|dgxh100|dgxh200|dgxb200>[,mig=<profile>]")
	flag.DurationVar(&c.GracePeriod, "nvml-grace-period", 5*time.Minute, "keep the last good facts this long while NVML fails")
	flag.BoolVar(&c.NoDeployDefaults, "no-deploy-defaults", false, "never set nvidia.com/gpu.deploy.* defaults")
	flag.StringVar(&c.FactsFrom, "facts-from", "auto", "who writes the GPU facts: auto (GFD where nfd-master maintains them on the node, else this labeler), self or gfd")
	flag.StringVar(&deploy, "deploy-components", "", "comma-separated components to default to deploy=true (default: the GPU Operator's)")
	flag.StringVar(&metricsAddr, "metrics-bind-address", "127.0.0.1:8080", `address of the metrics endpoint, plain HTTP without authentication: keep it on loopback ("0" disables)`)
	flag.StringVar(&c.HealthAddr, "health-probe-bind-address", ":8081", `address of /healthz (cycles keep coming) and /readyz (a cycle ran); "" disables`)
	zo := zap.Options{}
	zo.BindFlags(flag.CommandLine)
	flag.Parse()

	c.Log = zap.New(zap.UseFlagOptions(&zo))
	ctrl.SetLogger(c.Log)
	if deploy != "" {
		c.DeployComponents = strings.Split(deploy, ",")
	}
	if err := run(c, metricsAddr); err != nil {
		fmt.Fprintln(os.Stderr, "gpuguard-labeler:", err)
		if errors.Is(err, app.ErrConfig) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(c app.Config, metricsAddr string) error {
	if c.NodeName != "" {
		rc, err := ctrl.GetConfig()
		if err != nil {
			return fmt.Errorf("finding the API server (in-cluster, or --kubeconfig / KUBECONFIG): %w", err)
		}
		c.RESTConfig = rc
	}
	if !c.Oneshot && metricsAddr != "0" {
		reg := prometheus.NewRegistry()
		c.Registry = reg
		srv := &http.Server{Addr: metricsAddr, Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				c.Log.Error(err, "metrics server stopped")
			}
		}()
	}
	return app.Run(ctrl.SetupSignalHandler(), c)
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
