package node

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Decoding only labels and annotations gives what decoding the whole
// metadata gives, for the API server's documents and for odd ones alike.
func TestDecodeMetaMatchesFullDecode(t *testing.T) {
	for name, doc := range decodeSeeds {
		t.Run(name, func(t *testing.T) {
			sameAsFull(t, []byte(doc))
		})
	}
}

func FuzzDecodeMeta(f *testing.F) {
	for _, doc := range decodeSeeds {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if !json.Valid(doc) {
			return // the review around it was decoded: objects are valid JSON
		}
		sameAsFull(t, doc)
	})
}

// sameAsFull: the same labels, annotations and errors as a full decode. The
// one difference allowed is for documents the API server never sends, where
// a metadata field no rule reads has the wrong type: a full decode refuses
// them, the narrow one reads labels and annotations as encoding/json does.
func sameAsFull(t *testing.T, doc []byte) {
	t.Helper()
	want, wantErr := decodeMetaFull(doc)
	got, err := DecodeMeta(doc)
	switch {
	case wantErr == nil:
		require.NoError(t, err)
		assert.Equal(t, want, got)
	case err != nil:
		require.EqualError(t, err, wantErr.Error())
	default:
		var narrow struct {
			Metadata struct {
				Labels      map[string]string `json:"labels"`
				Annotations map[string]string `json:"annotations"`
			} `json:"metadata"`
		}
		require.NoError(t, json.Unmarshal(doc, &narrow), "only a field no rule reads may be mistyped")
		assert.Equal(t, Meta{Labels: narrow.Metadata.Labels, Annotations: narrow.Metadata.Annotations}, got)
	}
}

var decodeSeeds = map[string]string{
	"node": `{"kind":"Node","apiVersion":"v1","metadata":{"name":"n","labels":{"a":"b","nvidia.com/gpu.present":"true"},
		"annotations":{"x":"y"},"managedFields":[{"manager":"kubelet","fieldsV1":{"f:metadata":{"f:labels":{"f:a":{}}}}}]},
		"status":{"images":[{"names":["r/i@sha256:00","r/i:v1"],"sizeBytes":12}]}}`,
	"no labels":           `{"metadata":{"name":"n"}}`,
	"null labels":         `{"metadata":{"labels":null,"annotations":{}}}`,
	"null metadata":       `{"metadata":null}`,
	"no metadata":         `{"kind":"Node"}`,
	"null document":       `null`,
	"escaped values":      `{"metadata":{"labels":{"k\u00e9y":"v\"\\alue\u2028"}}}`,
	"labels in uppercase": `{"metadata":{"Labels":{"a":"b"}}}`,
	"metadata in caps":    `{"METADATA":{"labels":{"a":"b"}}}`,
	"duplicate labels":    `{"metadata":{"labels":{"a":"1"},"labels":{"b":"2"}}}`,
	"escaped key":         `{"metadata":{"l\u0061bels":{"a":"b"}}}`,
	"labels not a map":    `{"metadata":{"labels":["a"]}}`,
	"value not a string":  `{"metadata":{"labels":{"a":1}}}`,
	"metadata a string":   `{"metadata":"x"}`,
	"name a number":       `{"metadata":{"name":1,"labels":{"a":"b"}}}`,
	"array document":      `[1]`,
}
