package config

import (
	"bufio"
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

//go:embed manifests/webhooks.yaml
var webhooksYAML []byte

// Webhook paths served by the webhook server; the manifests name the same.
const (
	PathValidateNodes      = "/validate-nodes"
	PathValidatePods       = "/validate-pods"
	PathMutatePods         = "/mutate-pods"
	PathValidateDaemonSets = "/validate-daemonsets"
	PathMutateDaemonSets   = "/mutate-daemonsets"
)

// Webhooks returns fresh copies of gpuguard's webhook configurations, parsed
// from the embedded install manifests.
func Webhooks() ([]*admissionregistrationv1.MutatingWebhookConfiguration, []*admissionregistrationv1.ValidatingWebhookConfiguration, error) {
	var muts []*admissionregistrationv1.MutatingWebhookConfiguration
	var vals []*admissionregistrationv1.ValidatingWebhookConfiguration
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(webhooksYAML)))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return muts, vals, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("reading webhook manifests: %w", err)
		}
		var meta struct {
			Kind string `json:"kind"`
		}
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			return nil, nil, fmt.Errorf("decoding webhook manifest: %w", err)
		}
		switch meta.Kind {
		case "MutatingWebhookConfiguration":
			m := &admissionregistrationv1.MutatingWebhookConfiguration{}
			if err := yaml.UnmarshalStrict(doc, m); err != nil {
				return nil, nil, fmt.Errorf("decoding %s: %w", meta.Kind, err)
			}
			muts = append(muts, m)
		case "ValidatingWebhookConfiguration":
			v := &admissionregistrationv1.ValidatingWebhookConfiguration{}
			if err := yaml.UnmarshalStrict(doc, v); err != nil {
				return nil, nil, fmt.Errorf("decoding %s: %w", meta.Kind, err)
			}
			vals = append(vals, v)
		case "":
			// An empty document between separators.
		default:
			return nil, nil, fmt.Errorf("unexpected kind %q in webhook manifests", meta.Kind)
		}
	}
}
