package admit

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// envelope is a review as the API server sends it, with every field of
// the request.
const envelope = `{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{` +
	`"uid":"705ab4f5-6393-11e8-b7cc-42010a800002",` +
	`"kind":{"group":"apps","version":"v1","kind":"DaemonSet"},` +
	`"resource":{"group":"apps","version":"v1","resource":"daemonsets"},` +
	`"requestKind":{"group":"apps","version":"v1beta2","kind":"DaemonSet"},` +
	`"requestResource":{"group":"apps","version":"v1beta2","resource":"daemonsets"},` +
	`"subResource":"","requestSubResource":"","name":"dcgm-exporter","namespace":"gpu-operator","operation":"UPDATE",` +
	`"userInfo":{"username":"system:serviceaccount:gpu-operator:gpu-operator","uid":"4c5f","groups":["system:serviceaccounts","system:authenticated"],` +
	`"extra":{"authentication.kubernetes.io/pod-name":["gpu-operator-7d9"],"authentication.kubernetes.io/credential-id":["JTI=1"]}},` +
	`"object":{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"dcgm-exporter","labels":{"app":"dcgm"}},"spec":{"template":{"spec":{"containers":[{"name":"e","image":"x:1"}]}}}},` +
	`"oldObject":{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"dcgm-exporter"}},` +
	`"dryRun":false,"options":{"kind":"UpdateOptions","apiVersion":"meta.k8s.io/v1","fieldManager":"gpu-operator"}}}`

// reviews are bodies in the API server's plain shape, which Serve reads
// itself (plain), and bodies outside it, which it hands to
// controller-runtime.
var reviews = map[string]struct {
	body  string
	plain bool
}{
	"full update":         {envelope, true},
	"v1beta1":             {strings.Replace(envelope, `admission.k8s.io/v1"`, `admission.k8s.io/v1beta1"`, 1), true},
	"pod create":          {podReview, true},
	"indented":            {"\n {\n \"apiVersion\" : \"admission.k8s.io/v1\",\t\"kind\":\"AdmissionReview\", \"request\" : {\"uid\":\"2\", \"object\" : { \"a\" : [ 1 , 2 ] } , \"oldObject\" : null } }\n", true},
	"dry run":             {`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"3","operation":"CREATE","dryRun":true,"object":{"x":1}}}`, true},
	"escaped values":      {`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"a\"b\u00e9\ud83d\ude00","name":"\u0074rain","userInfo":{"username":"\u0000"}}}`, true},
	"invalid UTF-8":       {"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"\xff\",\"object\":{\"k\":\"\xfe\"}}}", true},
	"nulls":               {`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":null,"kind":null,"requestKind":null,"userInfo":null,"dryRun":null,"object":null,"options":null}}`, true},
	"empty request":       {`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{}}`, true},
	"empty groups":        {`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"userInfo":{"username":"a","groups":[],"extra":{}}}}`, true},
	"null groups":         {`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"userInfo":{"groups":null,"extra":null}}}`, true},
	"odd groups":          {`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"userInfo":{"groups":["a",null,"\u0062"]}}}`, true},
	"odd kind":            {`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"kind":{"group":null,"kind":"P\u006fd","Version":"v1"},"requestResource":{}}}`, true},
	"wrong group type":    {`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"kind":{"group":1}}}`, false},
	"wrong groups type":   {`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"userInfo":{"groups":"a"}}}`, false},
	"dry run as string":   {`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"dryRun":"true"}}`, false},
	"null request":        {`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":null}`, false},
	"no request":          {`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`, false},
	"with a response":     {`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"4"},"response":{"allowed":true}}`, false},
	"unknown key":         {`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"5","future":1}}`, false},
	"key in another case": {`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"6","UID":"7"}}`, false},
	"escaped key":         {`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"\u0075id":"8"}}`, false},
	"repeated key":        {`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"9","uid":"10"}}`, false},
	"repeated userInfo":   {`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"userInfo":{"username":"a"},"userInfo":{"groups":["b"]}}}`, false},
	"wrong field type":    {`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":11,"dryRun":"yes"}}`, false},
	"object not object":   {`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"12","object":"text","oldObject":[1]}}`, true},
	"other version":       {`{"apiVersion":"admission.k8s.io/v2","kind":"AdmissionReview","request":{"uid":"13"}}`, false},
	"other kind":          {`{"apiVersion":"admission.k8s.io/v1","kind":"TokenReview","request":{"uid":"14"}}`, false},
	"no kind":             {`{"apiVersion":"admission.k8s.io/v1","request":{"uid":"15"}}`, false},
	"no apiVersion":       {`{"kind":"AdmissionReview","request":{"uid":"16"}}`, false},
	"escaped apiVersion":  {`{"apiVersion":"admission.k8s.io\/v1","kind":"AdmissionReview","request":{"uid":"17"}}`, false},
	"truncated":           {envelope[:len(envelope)-3], false},
	"trailing garbage":    {envelope + "x", false},
	"two documents":       {envelope + envelope, false},
	"yaml":                {"apiVersion: admission.k8s.io/v1\nkind: AdmissionReview\nrequest:\n  uid: \"18\"\n", false},
	"array":               {`[1]`, false},
	"empty object":        {`{}`, false},
	"bare null":           {`null`, false},
	"empty":               {``, false},
}

const podReview = `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1",
"kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},
"name":"train","namespace":"ml","operation":"CREATE","object":{}}}`

// capture records the request it is given and allows it.
type capture struct{ req *admission.Request }

func (c *capture) Handle(_ context.Context, req admission.Request) admission.Response {
	c.req = &req
	return admission.Allowed("")
}

// answer is what a handler answered and the request it was handed.
type answer struct {
	code        int
	contentType string
	body        string
	req         *admission.Request
}

func serveBoth(t testing.TB, body []byte, contentType string) (want, got answer) {
	t.Helper()
	run := func(wrap func(*admission.Webhook) http.Handler) answer {
		c := &capture{}
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		rec := httptest.NewRecorder()
		wrap(&admission.Webhook{Handler: c}).ServeHTTP(rec, r)
		return answer{code: rec.Code, contentType: rec.Header().Get("Content-Type"), body: rec.Body.String(), req: c.req}
	}
	want = run(func(wh *admission.Webhook) http.Handler { return wh })
	got = run(Serve)
	return want, got
}

// Serve answers every body exactly as controller-runtime's own ServeHTTP
// does, and hands the handler the same request.
func TestServeMatchesControllerRuntime(t *testing.T) {
	for name, tc := range reviews {
		t.Run(name, func(t *testing.T) {
			want, got := serveBoth(t, []byte(tc.body), "application/json")
			assert.Equal(t, want, got)
			// Which path served it: the comparison is not between two
			// runs of controller-runtime.
			_, _, plain := decodeReview([]byte(tc.body))
			assert.Equal(t, tc.plain, plain, "read by Serve itself")
		})
	}
	t.Run("another content type", func(t *testing.T) {
		want, got := serveBoth(t, []byte(envelope), "application/yaml")
		assert.Equal(t, want, got)
		assert.Contains(t, got.body, `"code":400`)
	})
	t.Run("no content type", func(t *testing.T) {
		want, got := serveBoth(t, []byte(envelope), "")
		assert.Equal(t, want, got)
	})
}

// The plain shape does reach the handler with its fields: the comparison
// above is not between two refusals.
func TestServeDecodesEveryField(t *testing.T) {
	_, got := serveBoth(t, []byte(envelope), "application/json")
	require.NotNil(t, got.req)
	r := got.req
	assert.Equal(t, "705ab4f5-6393-11e8-b7cc-42010a800002", string(r.UID))
	assert.Equal(t, "DaemonSet", r.Kind.Kind)
	assert.Equal(t, "daemonsets", r.Resource.Resource)
	require.NotNil(t, r.RequestKind)
	assert.Equal(t, "v1beta2", r.RequestKind.Version)
	require.NotNil(t, r.RequestResource)
	assert.Equal(t, "gpu-operator", r.Namespace)
	assert.Equal(t, "UPDATE", string(r.Operation))
	assert.Equal(t, []string{"system:serviceaccounts", "system:authenticated"}, r.UserInfo.Groups)
	assert.Equal(t, "gpu-operator-7d9", r.UserInfo.Extra["authentication.kubernetes.io/pod-name"][0])
	assert.Contains(t, string(r.Object.Raw), `"labels":{"app":"dcgm"}`)
	// The object's bytes as sent, not re-encoded.
	old := `{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"dcgm-exporter"}}`
	assert.True(t, bytes.Equal([]byte(old), r.OldObject.Raw), "oldObject %s", r.OldObject.Raw)
	assert.Contains(t, string(r.Options.Raw), `"fieldManager":"gpu-operator"`)
	require.NotNil(t, r.DryRun)
	assert.False(t, *r.DryRun)
	assert.Contains(t, got.body, `"uid":"705ab4f5-6393-11e8-b7cc-42010a800002"`)
}

// A body at or over controller-runtime's 7 MiB limit is refused as there,
// even when it is a valid review.
func TestServeLargeBody(t *testing.T) {
	const limit = 7 * 1024 * 1024
	prefix := `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1","object":{"pad":"`
	suffix := `"}}}`
	for _, size := range []int{limit - 1, limit, limit + 1} {
		body := prefix + strings.Repeat("x", size-len(prefix)-len(suffix)) + suffix
		want, got := serveBoth(t, []byte(body), "application/json")
		assert.Equal(t, want.code, got.code, "size %d", size)
		assert.Equal(t, want.body, got.body, "size %d", size)
		assert.Equal(t, want.req != nil, got.req != nil, "size %d", size)
	}
}

// A panicking handler is recovered into a 500 carrying the UID, as
// controller-runtime's Handle does.
func TestServeRecoversPanics(t *testing.T) {
	h := Serve(&admission.Webhook{Handler: admission.HandlerFunc(func(context.Context, admission.Request) admission.Response {
		panic("boom")
	})})
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(envelope))
	r.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(rec, r)
	assert.Contains(t, rec.Body.String(), `"code":500`)
	assert.Contains(t, rec.Body.String(), `panic: boom [recovered]`)
	assert.Contains(t, rec.Body.String(), `"uid":"705ab4f5-6393-11e8-b7cc-42010a800002"`)
}

func FuzzServe(f *testing.F) {
	for _, tc := range reviews {
		f.Add([]byte(tc.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		want, got := serveBoth(t, body, "application/json")
		if !assert.ObjectsAreEqual(want, got) {
			t.Fatalf("body %q:\ncontroller-runtime %+v\nServe              %+v", body, want, got)
		}
	})
}
