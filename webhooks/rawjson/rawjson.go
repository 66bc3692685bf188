package rawjson

import (
	"bytes"
	"errors"
	"unicode/utf8"
)

// ErrUnusual is a document outside the plain shape this package reads;
// decode it with encoding/json instead.
var ErrUnusual = errors.New("JSON outside the plain shape rawjson reads")

// Fields returns the raw values of the wanted keys of the object raw, in
// the order of keys; a key that is absent has a nil value. A null document
// is ErrUnusual (encoding/json decodes it as the zero value, which the
// caller's fallback does).
func Fields(raw []byte, keys ...string) ([][]byte, error) {
	return fields(raw, keys, false)
}

// Only is Fields for an object that may hold no other keys: any other key
// is ErrUnusual.
func Only(raw []byte, keys ...string) ([][]byte, error) {
	return fields(raw, keys, true)
}

func fields(raw []byte, keys []string, only bool) ([][]byte, error) {
	out := make([][]byte, len(keys))
	err := walkObject(raw, func(k, v []byte) error {
		for i, want := range keys {
			switch {
			case string(k) == want:
				if out[i] != nil {
					return ErrUnusual // duplicate key: encoding/json merges
				}
				out[i] = v
				return nil
			case bytes.EqualFold(k, []byte(want)):
				return ErrUnusual // encoding/json matches keys case-insensitively
			}
		}
		if only {
			return ErrUnusual
		}
		return nil
	})
	return out, err
}

// Elements returns the raw elements of the array raw; a null document
// returns none.
func Elements(raw []byte) ([][]byte, error) {
	i := skipSpace(raw, 0)
	if isNull(raw, i) {
		return nil, nil
	}
	if i >= len(raw) || raw[i] != '[' {
		return nil, ErrUnusual
	}
	var out [][]byte
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == ']' {
		return out, nil
	}
	for i < len(raw) {
		end, err := skipValue(raw, i)
		if err != nil {
			return nil, err
		}
		out = append(out, raw[i:end])
		var closed bool
		if i, closed, err = next(raw, end, ']'); err != nil {
			return nil, err
		} else if closed {
			return out, nil
		}
	}
	return nil, ErrUnusual
}

// next moves past a value ending at end to the start of the next one, or
// reports that closer ends the array or object.
func next(raw []byte, end int, closer byte) (int, bool, error) {
	i := skipSpace(raw, end)
	switch {
	case i >= len(raw):
		return i, false, ErrUnusual
	case raw[i] == ',':
		return skipSpace(raw, i+1), false, nil
	case raw[i] == closer:
		return i, true, nil
	}
	return i, false, ErrUnusual
}

// IsNull reports whether raw is the JSON null (or empty): no object.
func IsNull(raw []byte) bool {
	i := skipSpace(raw, 0)
	return i >= len(raw) || isNull(raw, i)
}

func isNull(raw []byte, i int) bool {
	return bytes.HasPrefix(raw[i:], []byte("null"))
}

// walkObject calls f with each key (raw, unescaped) and raw value.
func walkObject(raw []byte, f func(k, v []byte) error) error {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return ErrUnusual
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return nil
	}
	for i < len(raw) {
		if raw[i] != '"' {
			return ErrUnusual
		}
		kend, err := skipString(raw, i)
		if err != nil {
			return err
		}
		key := raw[i+1 : kend-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			return ErrUnusual // an escaped key may spell a wanted one
		}
		i = skipSpace(raw, kend)
		if i >= len(raw) || raw[i] != ':' {
			return ErrUnusual
		}
		i = skipSpace(raw, i+1)
		vend, err := skipValue(raw, i)
		if err != nil {
			return err
		}
		if err := f(key, raw[i:vend]); err != nil {
			return err
		}
		var closed bool
		if i, closed, err = next(raw, vend, '}'); err != nil || closed {
			return err
		}
	}
	return ErrUnusual
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i] == '"'.
// A quote ends the string unless an odd run of backslashes escapes it;
// bytes.IndexByte finds each quote without a loop over every byte.
func skipString(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			break
		}
		q := j + k
		n := 0
		for p := q - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return q + 1, nil
		}
		j = q + 1
	}
	return 0, ErrUnusual
}

// skipValue returns the index after the value starting at b[i]. It checks
// structure only as far as finding the end needs: the documents come from
// an AdmissionReview body that was already checked whole (Valid, or
// controller-runtime's decoder), so they are valid JSON.
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, ErrUnusual
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, err := skipString(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, ErrUnusual
	}
	j := i
	for j < len(b) {
		switch b[j] {
		case ',', '}', ']', ' ', '\n', '\r', '\t':
			if j == i {
				return 0, ErrUnusual
			}
			return j, nil
		}
		j++
	}
	if j == i {
		return 0, ErrUnusual
	}
	return j, nil
}

// StringMap decodes an object of strings as encoding/json decodes it into a
// map[string]string, for the plain case only: every value a string without
// escapes, in valid UTF-8. Anything else is ErrUnusual (decode it with
// encoding/json). A null document is a nil map.
func StringMap(raw []byte) (map[string]string, error) {
	if IsNull(raw) {
		return nil, nil
	}
	m := map[string]string{}
	err := walkObject(raw, func(k, v []byte) error {
		if len(v) < 2 || v[0] != '"' || bytes.IndexByte(v, '\\') >= 0 || !utf8.Valid(k) || !utf8.Valid(v) {
			return ErrUnusual
		}
		m[string(k)] = string(v[1 : len(v)-1])
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}
