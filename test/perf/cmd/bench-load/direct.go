package main

import (
	"context"
	"fmt"
	"os"

	"github.com/gpuguard/gpuguard/test/perf"
)

// direct posts each review to gpuguard, the no-op handler and (where
// gpuguard patches) the patch-returning handler, at each connection count,
// one target after the other in an order that rotates every round.
func direct(ctx context.Context, e *env, o options) error {
	fmt.Printf("\nDirect HTTPS on 127.0.0.1: %d reviews per target, round and connection count\n", o.reviews)
	t := newTable(os.Stdout, "review")
	for _, conns := range o.conns {
		for _, r := range e.reviews {
			targets := []*target{
				{name: "gpuguard", url: "https://" + e.gpuguard.Addr + r.Path},
				{name: "noop", url: "https://" + e.noopAddr + "/noop"},
			}
			if len(e.patches[r.Name]) > 0 {
				targets = append(targets, &target{name: "patch", url: "https://" + e.noopAddr + "/patch/" + r.Name})
			}
			for _, tg := range targets {
				tg.clients = perf.NewClients(conns)
				// Warm-up: connections open, handshakes done, pools filled.
				if _, err := tg.clients.Post(ctx, tg.url, r.Body, 4*conns); err != nil {
					return err
				}
			}
			for round := range o.rounds {
				for _, tg := range rotate(targets, round) {
					s, err := tg.clients.Post(ctx, tg.url, r.Body, o.reviews)
					if err != nil {
						return fmt.Errorf("review %s, %s: %w", r.Name, tg.name, err)
					}
					tg.sample.Add(s)
				}
			}
			t.rows(r.Name, conns, targets[0].sample, targets)
			for _, tg := range targets {
				tg.clients.Close()
			}
		}
	}
	t.flush()
	return nil
}
