package harness

import (
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// WebhookRequests counts the admission requests the in-process webhook
// server received on the given paths, from controller-runtime's
// controller_runtime_webhook_requests_total.
func WebhookRequests(paths ...string) (int, error) {
	families, err := metrics.Registry.Gather()
	if err != nil {
		return 0, fmt.Errorf("gathering metrics: %w", err)
	}
	want := map[string]bool{}
	for _, p := range paths {
		want[p] = true
	}
	total := 0.0
	for _, f := range families {
		if f.GetName() != "controller_runtime_webhook_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "webhook" && want[l.GetValue()] {
					total += m.GetCounter().GetValue()
				}
			}
		}
	}
	return int(total), nil
}
