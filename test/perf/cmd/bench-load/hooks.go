package main

import (
	"slices"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// hook is what bench-load reads or changes in one webhook of either kind.
type hook struct {
	client   *admissionregistrationv1.WebhookClientConfig
	selector *metav1.LabelSelector
}

// hooks returns the webhooks of a Validating- or MutatingWebhookConfiguration,
// to be changed in place; nil for any other object.
func hooks(obj client.Object) []hook {
	var out []hook
	switch c := obj.(type) {
	case *admissionregistrationv1.MutatingWebhookConfiguration:
		for i := range c.Webhooks {
			out = append(out, hook{&c.Webhooks[i].ClientConfig, c.Webhooks[i].NamespaceSelector})
		}
	case *admissionregistrationv1.ValidatingWebhookConfiguration:
		for i := range c.Webhooks {
			out = append(out, hook{&c.Webhooks[i].ClientConfig, c.Webhooks[i].NamespaceSelector})
		}
	}
	return out
}

// podCopy returns a copy of a webhook configuration named name with only
// its pod webhooks, and the no-op server's path for its kind; nil for any
// other object.
func podCopy(obj client.Object, name string) (client.Object, string) {
	switch c := obj.(type) {
	case *admissionregistrationv1.MutatingWebhookConfiguration:
		n := &admissionregistrationv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: name}}
		n.Webhooks = slices.DeleteFunc(c.DeepCopy().Webhooks, func(w admissionregistrationv1.MutatingWebhook) bool { return !forPods(w.Rules) })
		return n, "/patch/gpu-pod"
	case *admissionregistrationv1.ValidatingWebhookConfiguration:
		n := &admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: name}}
		n.Webhooks = slices.DeleteFunc(c.DeepCopy().Webhooks, func(w admissionregistrationv1.ValidatingWebhook) bool { return !forPods(w.Rules) })
		return n, "/noop"
	}
	return nil, ""
}
