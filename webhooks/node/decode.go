package node

import (
	"encoding/json"
	"errors"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gpuguard/gpuguard/webhooks/rawjson"
)

// DecodeMeta reads a Node's labels and annotations. A Node update carries
// two full Nodes, most of whose bytes (images, managed fields, status) no
// rule reads: only metadata.labels and metadata.annotations are decoded.
// Documents outside the API server's plain shape are decoded in full, so
// that every input is read as encoding/json reads it.
func DecodeMeta(raw []byte) (Meta, error) {
	m, err := decodeMetaFast(raw)
	if err != nil {
		return decodeMetaFull(raw)
	}
	return m, nil
}

var errNotObject = errors.New("metadata is not an object")

func decodeMetaFast(raw []byte) (Meta, error) {
	top, err := rawjson.Fields(raw, "metadata")
	if err != nil {
		return Meta{}, err
	}
	if top[0] == nil || rawjson.IsNull(top[0]) {
		return Meta{}, nil
	}
	md, err := rawjson.Fields(top[0], "labels", "annotations")
	if err != nil {
		return Meta{}, errNotObject
	}
	var m Meta
	if m.Labels, err = stringMap(md[0]); err != nil {
		return Meta{}, err
	}
	if m.Annotations, err = stringMap(md[1]); err != nil {
		return Meta{}, err
	}
	return m, nil
}

// stringMap decodes labels or annotations: plain ones directly, others
// with encoding/json.
func stringMap(raw []byte) (map[string]string, error) {
	if raw == nil {
		return nil, nil
	}
	m, err := rawjson.StringMap(raw)
	if errors.Is(err, rawjson.ErrUnusual) {
		m = nil
		err = json.Unmarshal(raw, &m)
	}
	return m, err
}

// decodeMetaFull decodes the whole object metadata with encoding/json.
func decodeMetaFull(raw []byte) (Meta, error) {
	var m metav1.PartialObjectMetadata
	if err := json.Unmarshal(raw, &m); err != nil {
		return Meta{}, err
	}
	return Meta{Labels: m.Labels, Annotations: m.Annotations}, nil
}
