// Command kwok is upstream kwok (sigs.k8s.io/kwok/cmd/kwok), built from the
// pinned module, with one addition: `kwok stages` prints the Stage objects
// kwokctl gives a kwok it starts (node-initialize, node-heartbeat-with-lease,
// pod-ready, pod-complete, pod-delete; see getDefaultNodeStages and
// getDefaultPodStages in kubernetes-sigs/kwok pkg/kwokctl/runtime/cluster.go).
// The kwok binary itself loads no stages unless --config names them, so the
// harness writes this output to a file and passes it as --config.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"

	nodefast "sigs.k8s.io/kwok/kustomize/stage/node/fast"
	nodelease "sigs.k8s.io/kwok/kustomize/stage/node/heartbeat-with-lease"
	podfast "sigs.k8s.io/kwok/kustomize/stage/pod/fast"
	"sigs.k8s.io/kwok/pkg/config"
	"sigs.k8s.io/kwok/pkg/kwok/cmd"
	"sigs.k8s.io/kwok/pkg/log"
	"sigs.k8s.io/kwok/pkg/utils/signals"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "stages" {
		docs := []string{nodefast.DefaultNodeInit, nodelease.DefaultNodeHeartbeatWithLease,
			podfast.DefaultPodReady, podfast.DefaultPodComplete, podfast.DefaultPodDelete}
		for i, d := range docs {
			docs[i] = strings.TrimSpace(d)
		}
		fmt.Println(strings.Join(docs, "\n---\n"))
		return
	}
	// What upstream cmd/kwok/main.go does.
	flags := pflag.NewFlagSet("global", pflag.ContinueOnError)
	flags.ParseErrorsAllowlist.UnknownFlags = true
	flags.Usage = func() {}
	ctx := signals.SetupSignalContext()
	ctx, logger := log.InitFlags(ctx, flags)
	ctx, err := config.InitFlags(ctx, flags)
	if err != nil {
		logger.Error("Init config flags", "err", err)
		os.Exit(1)
	}
	command := cmd.NewCommand(ctx)
	command.PersistentFlags().AddFlagSet(flags)
	if err := command.ExecuteContext(ctx); err != nil {
		logger.Error("Execute exit", "err", err)
		os.Exit(1)
	}
}
