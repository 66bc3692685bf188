// Package rawjson finds the values of named fields in raw JSON objects
// without decoding anything else, so that a webhook decodes only what its
// decision reads: a Node update carries two full Nodes (images, managed
// fields, status) of which the rules read labels and annotations.
//
// It accepts only the plain shape the API server writes: an object whose
// keys are unescaped and appear once each, with no key that differs from a
// wanted one only in case. Anything else returns ErrUnusual, and the caller
// decodes the object fully with encoding/json instead, so that every input
// is still decoded exactly as encoding/json decodes it. The only values it
// decodes itself are plain strings (StringMap: no escapes, valid UTF-8),
// whose bytes are their value; everything else goes to encoding/json.
//
// Valid checks a whole document as json.Valid does, in one pass: the
// functions above find the ends of values without checking them, so a
// body read with them is checked with Valid first.
package rawjson
