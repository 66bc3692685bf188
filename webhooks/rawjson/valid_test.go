package rawjson_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gpuguard/gpuguard/webhooks/rawjson"
)

// validCases hold both sides of every rule of the grammar.
var validCases = []string{
	``, ` `, `{}`, `[]`, ` { } `, `{"a":1}`, `{"a":1,}`, `{,"a":1}`, `{"a" 1}`, `{"a":}`, `{1:2}`, `{"a":1 "b":2}`,
	`[1,2]`, `[1,]`, `[,1]`, `[1 2]`, `[`, `]`, `{`, `}`, `[}`, `{]`, `[[]]`, `[{}]`, `{"a":[{"b":[]}]}`,
	`"a"`, `"`, `"a`, `"\"`, `"\\"`, `"\/\b\f\n\r\t"`, `"\x"`, `"\u00e9"`, `"\u00E9"`, `"\u00g9"`, `"\u00e"`, `"\u"`,
	"\"\x01\"", "\"\x1f\"", "\"\x7f\"", "\"\xff\xfe\"", "\"\t\"",
	`0`, `-0`, `01`, `-`, `-a`, `1.`, `1.5`, `.5`, `1e5`, `1E+5`, `1e-5`, `1e`, `1e+`, `1.5e3`, `-12.5E-3`, `123abc`,
	`true`, `false`, `null`, `tru`, `nul`, `truex`, `true false`, `nulll`, `TRUE`,
	`1 2`, `{} {}`, "\n\r\t 1 \n", "\v1", `{"a":1}x`, "\xef\xbb\xbf{}",
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000),
	strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001),
	strings.Repeat("[", 10000) + "{}" + strings.Repeat("]", 10000),
}

func TestValidMatchesEncodingJSON(t *testing.T) {
	var valid, invalid int
	for _, doc := range validCases {
		got, want := rawjson.Valid([]byte(doc)), json.Valid([]byte(doc))
		if got != want {
			t.Errorf("Valid(%.40q) = %v, encoding/json says %v", doc, got, want)
		}
		if want {
			valid++
		} else {
			invalid++
		}
	}
	// The cases are not all on one side.
	if valid < 20 || invalid < 40 {
		t.Fatalf("%d valid and %d invalid cases", valid, invalid)
	}
}

func FuzzValid(f *testing.F) {
	for _, doc := range validCases {
		if len(doc) < 100 {
			f.Add([]byte(doc))
		}
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if got, want := rawjson.Valid(doc), json.Valid(doc); got != want {
			t.Fatalf("Valid(%q) = %v, encoding/json says %v", doc, got, want)
		}
	})
}
