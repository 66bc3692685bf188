package admit

import (
	"bytes"
	"unicode/utf8"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
	kjson "sigs.k8s.io/json"

	"github.com/gpuguard/gpuguard/webhooks/rawjson"
)

// The AdmissionReview versions the API server sends; controller-runtime
// decodes both into the v1 types, which are the same.
var reviewVersions = map[string]schema.GroupVersionKind{
	`"admission.k8s.io/v1"`:      admissionv1.SchemeGroupVersion.WithKind("AdmissionReview"),
	`"admission.k8s.io/v1beta1"`: {Group: "admission.k8s.io", Version: "v1beta1", Kind: "AdmissionReview"},
}

// decodeReview reads a review in the plain shape, or reports that it is not
// (ok false). The objects and options are sub-slices of body. Every other
// field of the request comes out as controller-runtime's deserializer
// decodes it: read directly where it is plain (strings without escapes in
// valid UTF-8, objects of only the known keys), otherwise by the very
// decoder the deserializer uses (sigs.k8s.io/json, case-sensitive).
func decodeReview(body []byte) (admission.Request, schema.GroupVersionKind, bool) {
	var req admission.Request
	// The objects are never decoded here, and their bytes are handed on as
	// they are: the body must be valid JSON as a whole, as the
	// deserializer requires.
	if !rawjson.Valid(body) {
		return req, schema.GroupVersionKind{}, false
	}
	top, err := rawjson.Only(body, "apiVersion", "kind", "request")
	if err != nil || top[0] == nil || string(top[1]) != `"AdmissionReview"` || rawjson.IsNull(top[2]) {
		return req, schema.GroupVersionKind{}, false
	}
	gvk, ok := reviewVersions[string(top[0])]
	if !ok || !decodeRequest(top[2], &req.AdmissionRequest) {
		return req, schema.GroupVersionKind{}, false
	}
	return req, gvk, true
}

// requestKeys are the JSON keys of admissionv1.AdmissionRequest.
var requestKeys = []string{
	"uid", "kind", "resource", "subResource", "requestKind", "requestResource", "requestSubResource",
	"name", "namespace", "operation", "userInfo", "dryRun", "object", "oldObject", "options",
}

func decodeRequest(raw []byte, r *admissionv1.AdmissionRequest) bool {
	v, err := rawjson.Only(raw, requestKeys...)
	if err != nil {
		return false
	}
	ok := str(v[0], (*string)(&r.UID)) && decodeAs(v[1], &r.Kind, gvk) && decodeAs(v[2], &r.Resource, gvr) &&
		str(v[3], &r.SubResource) && optional(v[4], &r.RequestKind, gvk) && optional(v[5], &r.RequestResource, gvr) &&
		str(v[6], &r.RequestSubResource) && str(v[7], &r.Name) && str(v[8], &r.Namespace) &&
		str(v[9], (*string)(&r.Operation)) && decodeAs(v[10], &r.UserInfo, userInfo) && optional(v[11], &r.DryRun, plainBool)
	// runtime.RawExtension keeps a value's bytes, and nothing for null.
	for i, re := range []*[]byte{&r.Object.Raw, &r.OldObject.Raw, &r.Options.Raw} {
		if raw := v[12+i]; !rawjson.IsNull(raw) {
			*re = raw
		}
	}
	return ok
}

// decodeAs decodes raw (absent: nil) into v with plain where it is plain
// (plain nil: never), otherwise as the deserializer does; false if that
// fails.
func decodeAs[T any](raw []byte, v *T, plain func([]byte, *T) bool) bool {
	if rawjson.IsNull(raw) {
		return true // absent or null: the zero value stays, as with encoding/json
	}
	if plain != nil && plain(raw, v) {
		return true
	}
	*v = *new(T)
	return kjson.UnmarshalCaseSensitivePreserveInts(raw, v) == nil
}

// optional is decodeAs for a pointer field: null or absent leaves it nil.
func optional[T any](raw []byte, v **T, plain func([]byte, *T) bool) bool {
	if rawjson.IsNull(raw) {
		return true
	}
	*v = new(T)
	return decodeAs(raw, *v, plain)
}

func str(raw []byte, v *string) bool { return decodeAs(raw, v, plainString) }

// plainString reads a string without escapes in valid UTF-8, whose bytes
// are its value.
func plainString(raw []byte, v *string) bool {
	if len(raw) < 2 || raw[0] != '"' || bytes.IndexByte(raw, '\\') >= 0 || !utf8.Valid(raw) {
		return false
	}
	*v = string(raw[1 : len(raw)-1])
	return true
}

// plainStrings reads plain string fields of an object of only those keys.
func plainStrings(raw []byte, keys []string, into ...*string) bool {
	v, err := rawjson.Only(raw, keys...)
	if err != nil {
		return false
	}
	for i, f := range v {
		if !rawjson.IsNull(f) && !plainString(f, into[i]) {
			return false
		}
	}
	return true
}

var gvkKeys, gvrKeys = []string{"group", "version", "kind"}, []string{"group", "version", "resource"}

func gvk(raw []byte, v *metav1.GroupVersionKind) bool {
	return plainStrings(raw, gvkKeys, &v.Group, &v.Version, &v.Kind)
}

func gvr(raw []byte, v *metav1.GroupVersionResource) bool {
	return plainStrings(raw, gvrKeys, &v.Group, &v.Version, &v.Resource)
}

var userInfoKeys = []string{"username", "uid", "groups", "extra"}

// userInfo reads the user's name, uid and groups directly; extra, a map of
// lists that service-account tokens carry, is left to the deserializer.
func userInfo(raw []byte, u *authenticationv1.UserInfo) bool {
	v, err := rawjson.Only(raw, userInfoKeys...)
	if err != nil || !str(v[0], &u.Username) || !str(v[1], &u.UID) {
		return false
	}
	if g := v[2]; !rawjson.IsNull(g) {
		elems, err := rawjson.Elements(g)
		if err != nil {
			return false
		}
		u.Groups = make([]string, len(elems))
		for i, e := range elems {
			if !plainString(e, &u.Groups[i]) {
				return false
			}
		}
	}
	return decodeAs(v[3], &u.Extra, nil)
}

func plainBool(raw []byte, v *bool) bool {
	switch string(raw) {
	case "true", "false":
		*v = raw[0] == 't'
		return true
	}
	return false
}
