package labeler

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// sanitizeName turns an NVML name into GFD's form (sanitise in
// NVIDIA/k8s-device-plugin internal/lm/resource.go): characters outside
// [A-Za-z0-9-_. ] are dropped and runs of spaces become one "-".
// "NVIDIA H100 80GB HBM3" → "NVIDIA-H100-80GB-HBM3".
func sanitizeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.', r == ' ':
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(b.String()), "-")
}

// hashLen is how many hex digits of the SHA-256 of the original value end a
// shortened value: 8 digits make two different long names that share their
// first 54 characters collide with odds of one in four billion.
const hashLen = 8

// labelValue makes any string a valid label value, by a documented and
// deterministic rule (docs/labels.md):
//  1. a valid value is kept as it is, the empty value included: GFD writes
//     empty values (strategy single's INVALID set has sharing-strategy "");
//  2. otherwise every character outside [A-Za-z0-9-_.] becomes "-", and
//     leading and trailing characters that are not alphanumeric are cut;
//  3. a value still longer than 63 characters keeps its first 54
//     characters (trailing non-alphanumerics cut) and gets "-" plus the
//     first 8 hex digits of the SHA-256 of the original value.
//
// It reports false only if nothing valid is left of a non-empty value
// (e.g. "---"); the caller drops that one label and keeps the rest.
func labelValue(v string) (string, bool) {
	if len(validation.IsValidLabelValue(v)) == 0 {
		return v, true
	}
	b := []byte(v)
	for i, c := range b {
		if !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			b[i] = '-'
		}
	}
	s := trimNonAlnum(string(b))
	if len(s) > validation.LabelValueMaxLength {
		sum := sha256.Sum256([]byte(v))
		keep := validation.LabelValueMaxLength - hashLen - 1
		s = trimNonAlnum(s[:keep]) + "-" + hex.EncodeToString(sum[:])[:hashLen]
	}
	if s == "" || len(validation.IsValidLabelValue(s)) > 0 {
		return "", false
	}
	return s, true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func trimNonAlnum(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r > 127 || !isAlnum(byte(r)) })
}
