package artifacts

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Canonical encodes v as the artifacts are written: keys sorted at every
// level, two-space indent, HTML characters unescaped (PromQL reads better),
// numbers as they were encoded, and a trailing newline. normalise, when not
// nil, may edit the decoded document before it is encoded again.
func Canonical(v any, normalise func(any)) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return CanonicalJSON(raw, normalise)
}

// CanonicalJSON re-encodes a JSON document canonically, see Canonical.
func CanonicalJSON(raw []byte, normalise func(any)) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if normalise != nil {
		normalise(doc)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return buf.Bytes(), nil
}
