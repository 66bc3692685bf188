package config

import (
	"bufio"
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

//go:embed manifests/webhooks.yaml
var webhooksYAML []byte

//go:embed manifests/rbac.yaml
var rbacYAML []byte

// LabelerServiceAccount is the labeler's identity in the install manifests.
const LabelerServiceAccount = "gpuguard/gpuguard-labeler"

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
	docs, err := documents(webhooksYAML)
	if err != nil {
		return nil, nil, err
	}
	for _, doc := range docs {
		switch doc.kind {
		case "MutatingWebhookConfiguration":
			m := &admissionregistrationv1.MutatingWebhookConfiguration{}
			if err := yaml.UnmarshalStrict(doc.raw, m); err != nil {
				return nil, nil, fmt.Errorf("decoding %s: %w", doc.kind, err)
			}
			muts = append(muts, m)
		case "ValidatingWebhookConfiguration":
			v := &admissionregistrationv1.ValidatingWebhookConfiguration{}
			if err := yaml.UnmarshalStrict(doc.raw, v); err != nil {
				return nil, nil, fmt.Errorf("decoding %s: %w", doc.kind, err)
			}
			vals = append(vals, v)
		default:
			return nil, nil, fmt.Errorf("unexpected kind %q in webhook manifests", doc.kind)
		}
	}
	return muts, vals, nil
}

// WebhooksFor returns the webhook configurations with the policy's choices
// applied: podFailurePolicy on both pod webhooks.
func WebhooksFor(p *Policy) ([]*admissionregistrationv1.MutatingWebhookConfiguration, []*admissionregistrationv1.ValidatingWebhookConfiguration, error) {
	muts, vals, err := Webhooks()
	if err != nil {
		return nil, nil, err
	}
	fp := admissionregistrationv1.FailurePolicyType(p.PodFailurePolicy)
	for _, m := range muts {
		for i := range m.Webhooks {
			if m.Webhooks[i].Name == podWebhookName {
				m.Webhooks[i].FailurePolicy = &fp
			}
		}
	}
	for _, v := range vals {
		for i := range v.Webhooks {
			if v.Webhooks[i].Name == podWebhookName {
				v.Webhooks[i].FailurePolicy = &fp
			}
		}
	}
	return muts, vals, nil
}

// podWebhookName names both pod webhooks in the manifests.
const podWebhookName = "pods.gpuguard.io"

// RBAC returns fresh copies of gpuguard's ClusterRoles and bindings.
func RBAC() ([]*rbacv1.ClusterRole, []*rbacv1.ClusterRoleBinding, error) {
	var roles []*rbacv1.ClusterRole
	var bindings []*rbacv1.ClusterRoleBinding
	docs, err := documents(rbacYAML)
	if err != nil {
		return nil, nil, err
	}
	for _, doc := range docs {
		switch doc.kind {
		case "ClusterRole":
			r := &rbacv1.ClusterRole{}
			if err := yaml.UnmarshalStrict(doc.raw, r); err != nil {
				return nil, nil, fmt.Errorf("decoding %s: %w", doc.kind, err)
			}
			roles = append(roles, r)
		case "ClusterRoleBinding":
			b := &rbacv1.ClusterRoleBinding{}
			if err := yaml.UnmarshalStrict(doc.raw, b); err != nil {
				return nil, nil, fmt.Errorf("decoding %s: %w", doc.kind, err)
			}
			bindings = append(bindings, b)
		default:
			return nil, nil, fmt.Errorf("unexpected kind %q in RBAC manifests", doc.kind)
		}
	}
	return roles, bindings, nil
}

type document struct {
	kind string
	raw  []byte
}

// documents splits a multi-document YAML file, skipping empty documents.
func documents(data []byte) ([]document, error) {
	var out []document
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		raw, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading manifests: %w", err)
		}
		var meta struct {
			Kind string `json:"kind"`
		}
		if err := yaml.Unmarshal(raw, &meta); err != nil {
			return nil, fmt.Errorf("decoding manifest: %w", err)
		}
		if meta.Kind != "" {
			out = append(out, document{kind: meta.Kind, raw: raw})
		}
	}
}
