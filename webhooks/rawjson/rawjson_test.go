package rawjson_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gpuguard/gpuguard/webhooks/rawjson"
)

func TestFields(t *testing.T) {
	tests := map[string]struct {
		doc     string
		want    []string // raw values of "metadata", "spec"; "" for absent
		unusual bool
	}{
		"plain": {doc: `{"kind":"Node","metadata":{"labels":{"a":"b"}},"status":{"images":[{"names":["x","y\"}"]}]},"spec":{}}`,
			want: []string{`{"labels":{"a":"b"}}`, `{}`}},
		"spaces and scalars":  {doc: " {\n \"n\" : -1.5e3 , \"t\":true,\"metadata\" :\tnull }", want: []string{"null", ""}},
		"empty object":        {doc: `{}`, want: []string{"", ""}},
		"braces in strings":   {doc: `{"x":"}{][","metadata":{"k":"\\"}}`, want: []string{`{"k":"\\"}`, ""}},
		"duplicate key":       {doc: `{"metadata":{},"metadata":{}}`, unusual: true},
		"key in other case":   {doc: `{"Metadata":{}}`, unusual: true},
		"escaped key":         {doc: `{"meta\u0064ata":{}}`, unusual: true},
		"null document":       {doc: `null`, unusual: true},
		"array document":      {doc: `[]`, unusual: true},
		"truncated":           {doc: `{"metadata":{"a":`, unusual: true},
		"unterminated string": {doc: `{"metadata":"abc`, unusual: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := rawjson.Fields([]byte(tc.doc), "metadata", "spec")
			if tc.unusual {
				require.ErrorIs(t, err, rawjson.ErrUnusual)
				return
			}
			require.NoError(t, err)
			for i, w := range tc.want {
				assert.Equal(t, w, string(got[i]))
			}
		})
	}
}

func TestElements(t *testing.T) {
	got, err := rawjson.Elements([]byte(` [ {"a":[1,2]} , "s", 3 ,null]`))
	require.NoError(t, err)
	require.Len(t, got, 4)
	assert.JSONEq(t, `{"a":[1,2]}`, string(got[0]))
	assert.Equal(t, `"s"`, string(got[1]))
	assert.Equal(t, `3`, string(got[2]))
	assert.Equal(t, `null`, string(got[3]))

	none, err := rawjson.Elements([]byte(`null`))
	require.NoError(t, err)
	assert.Empty(t, none)
	_, err = rawjson.Elements([]byte(`{}`))
	require.ErrorIs(t, err, rawjson.ErrUnusual)
}

func TestStringMapMatchesEncodingJSON(t *testing.T) {
	for _, doc := range stringMapSeeds {
		t.Run(doc, func(t *testing.T) { stringMapSameAsJSON(t, []byte(doc)) })
	}
}

func FuzzStringMap(f *testing.F) {
	for _, doc := range stringMapSeeds {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if json.Valid(doc) {
			stringMapSameAsJSON(t, doc)
		}
	})
}

// stringMapSameAsJSON: where StringMap decodes, encoding/json decodes the
// same map.
func stringMapSameAsJSON(t *testing.T, doc []byte) {
	t.Helper()
	got, err := rawjson.StringMap(doc)
	if err != nil {
		require.ErrorIs(t, err, rawjson.ErrUnusual)
		return
	}
	var want map[string]string
	require.NoError(t, json.Unmarshal(doc, &want))
	assert.Equal(t, want, got)
}

var stringMapSeeds = []string{
	`{"a":"b","nvidia.com/gpu.present":"true"}`, `{}`, `null`, `{"a":"1","a":"2"}`, `{"a":null}`, `{"a":1}`,
	`{"a":"\u00e9"}`, "{\"a\":\"\xff\"}", `{"k":"v"} `, `[]`,
}

// Whatever the input, Fields never panics, and what it finds lies inside
// the document.
func FuzzFields(f *testing.F) {
	for _, s := range []string{`{"metadata":{"labels":{"a":"b"}}}`, `{"a":[{"b":"}"}],"spec":1}`, `{`, `"`, `{"metadata":"\`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		got, err := rawjson.Fields(doc, "metadata", "spec")
		if err != nil {
			return
		}
		for _, v := range got {
			if len(v) > len(doc) {
				t.Fatalf("value %q longer than the document %q", v, doc)
			}
		}
		_, _ = rawjson.Elements(doc)
	})
}
