package podview

import (
	"encoding/json"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/gpuguard/gpuguard/webhooks/rawjson"
)

// Pod decodes a Pod's annotations and the pod spec fields decisions read:
// runtime class, affinity, tolerations and container resources.
func Pod(raw []byte) (*corev1.Pod, error) { return decode(raw, pod) }

// DaemonSet decodes a DaemonSet's labels and the fields of its pod
// template's spec that decisions read: runtime class, affinity, tolerations
// and container env.
func DaemonSet(raw []byte) (*appsv1.DaemonSet, error) { return decode(raw, daemonSet) }

// decode reads raw with the partial decoder, or, where the document is not
// in the API server's plain shape, in full with encoding/json.
func decode[T any](raw []byte, partial func([]byte, *T) error) (*T, error) {
	v := new(T)
	if err := partial(raw, v); err != nil {
		v = new(T)
		return v, json.Unmarshal(raw, v)
	}
	return v, nil
}

func pod(raw []byte, p *corev1.Pod) error {
	top, err := rawjson.Fields(raw, "metadata", "spec")
	if err != nil {
		return err
	}
	if err := metaField(top[0], "annotations", &p.Annotations); err != nil {
		return err
	}
	return spec(top[1], &p.Spec, resources)
}

func daemonSet(raw []byte, ds *appsv1.DaemonSet) error {
	top, err := rawjson.Fields(raw, "metadata", "spec")
	if err != nil {
		return err
	}
	if err := metaField(top[0], "labels", &ds.Labels); err != nil {
		return err
	}
	tmpl, err := object(top[1], "template")
	if err != nil || tmpl == nil {
		return err
	}
	s, err := object(tmpl, "spec")
	if err != nil {
		return err
	}
	return spec(s, &ds.Spec.Template.Spec, env)
}

// metaField decodes one map of an object's metadata.
func metaField(meta []byte, key string, into *map[string]string) error {
	v, err := object(meta, key)
	if err != nil || v == nil {
		return err
	}
	m, err := rawjson.StringMap(v)
	if err != nil {
		return json.Unmarshal(v, into) // not plain strings: as encoding/json reads it
	}
	*into = m
	return nil
}

// object returns the raw value of key in the object raw; nil when raw or
// the value is absent.
func object(raw []byte, key string) ([]byte, error) {
	if raw == nil || rawjson.IsNull(raw) {
		return nil, nil
	}
	f, err := rawjson.Fields(raw, key)
	if err != nil {
		return nil, err
	}
	return f[0], nil
}

// spec decodes the runtime class, affinity and tolerations, and of each
// container what the kind's decisions read: resources (which GPUs a pod
// asks for) or env (a component's MIG strategy).
func spec(raw []byte, s *corev1.PodSpec, read containerRead) error {
	if raw == nil || rawjson.IsNull(raw) {
		return nil
	}
	f, err := rawjson.Fields(raw, "runtimeClassName", "affinity", "tolerations", "initContainers", "containers")
	if err != nil {
		return err
	}
	for _, d := range []struct {
		raw  []byte
		into any
	}{{f[0], &s.RuntimeClassName}, {f[1], &s.Affinity}, {f[2], &s.Tolerations}} {
		if d.raw != nil {
			if err := json.Unmarshal(d.raw, d.into); err != nil {
				return err
			}
		}
	}
	if s.InitContainers, err = read(f[3]); err != nil {
		return err
	}
	s.Containers, err = read(f[4])
	return err
}

// containerRead decodes a containers array.
type containerRead func(raw []byte) ([]corev1.Container, error)

// resources decodes each container's resources; the rest of a container
// (command, env, probes, mounts) is skipped unread.
func resources(raw []byte) ([]corev1.Container, error) {
	return eachContainer(raw, "resources", func(v []byte, c *corev1.Container) error {
		return json.Unmarshal(v, &c.Resources)
	})
}

// env decodes each container's env.
func env(raw []byte) ([]corev1.Container, error) {
	return eachContainer(raw, "env", func(v []byte, c *corev1.Container) error {
		return json.Unmarshal(v, &c.Env)
	})
}

// eachContainer decodes the field key of each container of the array raw
// with decode.
func eachContainer(raw []byte, key string, decode func(v []byte, c *corev1.Container) error) ([]corev1.Container, error) {
	if raw == nil || rawjson.IsNull(raw) {
		return nil, nil
	}
	els, err := rawjson.Elements(raw)
	if err != nil {
		return nil, err
	}
	out := make([]corev1.Container, len(els))
	for i, el := range els {
		if rawjson.IsNull(el) {
			continue
		}
		f, err := rawjson.Fields(el, key)
		if err != nil {
			return nil, err
		}
		if f[0] != nil {
			if err := decode(f[0], &out[i]); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
