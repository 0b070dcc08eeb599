// Package jsondiff compares two JSON documents and lists what differs, one
// change per path ("panels[id=2].title"), so that a plan shows a reviewer
// exactly what an apply would change.
//
// Arrays whose elements are objects that all carry a unique "uid", "refId",
// "id" or "name" are matched by that key rather than by position, so that
// inserting a panel or a rule shows as one addition, not as a change of
// every element after it; a change of their order is reported on its own.
package jsondiff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Op says what happened at a path.
type Op int

const (
	// Added: the path exists only in the desired document.
	Added Op = iota
	// Removed: the path exists only in the current document.
	Removed
	// Changed: the path holds different values.
	Changed
	// Reordered: the same keyed elements, in another order.
	Reordered
)

// Change is one difference between the current and the desired document.
type Change struct {
	Path string
	Op   Op
	// From is the current value (nil when Added); To the desired value
	// (nil when Removed). Both are generic JSON values.
	From, To any
}

// maxValueLen bounds how much of a value String prints.
const maxValueLen = 120

// String renders the change on one line: "+ path: value",
// "- path: value", "~ path: from -> to" or "~ path: order changed". A
// changed long string (a query, a description) shows as a word diff of the
// part that changed instead, "~ path: \"…context [-old-]{+new+} context…\"",
// never cut before the change; other values are cut to maxValueLen.
func (c Change) String() string { return c.Format(nil) }

// Format renders the change as String does, each value passed through
// redact (when not nil) before it is cut to maxValueLen or word-diffed, so
// that neither a cut nor a diff ever leaves part of a secret that redact
// would have found whole.
func (c Change) Format(redact func(string) string) string {
	path := c.Path
	if path == "" {
		path = "(document)"
	}
	if redact != nil {
		path = redact(path)
	}
	switch c.Op {
	case Added:
		return fmt.Sprintf("+ %s: %s", path, render(c.To, redact))
	case Removed:
		return fmt.Sprintf("- %s: %s", path, render(c.From, redact))
	case Reordered:
		return fmt.Sprintf("~ %s: order changed", path)
	default:
		if from, to, ok := wordDiffable(c.From, c.To, redact); ok {
			return fmt.Sprintf("~ %s: %s", path, WordDiff(from, to))
		}
		return fmt.Sprintf("~ %s: %s -> %s", path, render(c.From, redact), render(c.To, redact))
	}
}

// Normalize turns any JSON-marshalable value into generic JSON values
// (map[string]any, []any, json.Number, string, bool, nil), so that values
// decoded into typed models and raw documents compare alike.
func Normalize(v any) (any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode for comparison: %w", err)
	}
	return Decode(raw)
}

// DropNulls removes, recursively, the object members whose value is null:
// typed models encode an unset list as null, which says nothing.
func DropNulls(v any) any {
	switch n := v.(type) {
	case map[string]any:
		for k, e := range n {
			if e == nil {
				delete(n, k)
				continue
			}
			n[k] = DropNulls(e)
		}
	case []any:
		for i, e := range n {
			n[i] = DropNulls(e)
		}
	}
	return v
}

// Decode parses one JSON document into generic values, keeping numbers as
// json.Number so that nothing is lost to float64.
func Decode(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("decode for comparison: %w", err)
	}
	return out, nil
}

// Diff lists the changes that turn current into desired. Both must be
// generic JSON values (see Normalize). The order is deterministic: object
// keys sorted, arrays in order.
func Diff(current, desired any) []Change {
	var out []Change
	diff("", current, desired, &out)
	return out
}

// Equal reports whether two generic JSON values are the same document.
func Equal(a, b any) bool { return len(Diff(a, b)) == 0 }

func diff(path string, from, to any, out *[]Change) {
	switch f := from.(type) {
	case map[string]any:
		if t, ok := to.(map[string]any); ok {
			diffObjects(path, f, t, out)
			return
		}
	case []any:
		if t, ok := to.([]any); ok {
			diffArrays(path, f, t, out)
			return
		}
	default:
		if scalarEqual(from, to) {
			return
		}
	}
	*out = append(*out, Change{Path: path, Op: Changed, From: from, To: to})
}

func diffObjects(path string, from, to map[string]any, out *[]Change) {
	keys := make([]string, 0, len(from)+len(to))
	for k := range from {
		keys = append(keys, k)
	}
	for k := range to {
		if _, ok := from[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := join(path, k)
		f, inFrom := from[k]
		t, inTo := to[k]
		switch {
		case !inFrom:
			*out = append(*out, Change{Path: p, Op: Added, To: t})
		case !inTo:
			*out = append(*out, Change{Path: p, Op: Removed, From: f})
		default:
			diff(p, f, t, out)
		}
	}
}

// identityKeys are the fields that name an element of an array, tried in
// order.
var identityKeys = []string{"uid", "refId", "id", "name"}

func diffArrays(path string, from, to []any, out *[]Change) {
	if key, ok := commonKey(from, to); ok {
		diffKeyed(path, key, from, to, out)
		return
	}
	n := min(len(from), len(to))
	for i := range n {
		diff(fmt.Sprintf("%s[%d]", path, i), from[i], to[i], out)
	}
	for i := n; i < len(from); i++ {
		*out = append(*out, Change{Path: fmt.Sprintf("%s[%d]", path, i), Op: Removed, From: from[i]})
	}
	for i := n; i < len(to); i++ {
		*out = append(*out, Change{Path: fmt.Sprintf("%s[%d]", path, i), Op: Added, To: to[i]})
	}
}

func diffKeyed(path, key string, from, to []any, out *[]Change) {
	fromIdx := index(from, key)
	toIdx := index(to, key)
	elem := func(id string) string { return fmt.Sprintf("%s[%s=%s]", path, key, id) }

	var fromOrder, toOrder []string
	for _, e := range from {
		id := keyOf(e, key)
		if j, ok := toIdx[id]; ok {
			fromOrder = append(fromOrder, id)
			diff(elem(id), e, to[j], out)
		} else {
			*out = append(*out, Change{Path: elem(id), Op: Removed, From: e})
		}
	}
	for _, e := range to {
		id := keyOf(e, key)
		if _, ok := fromIdx[id]; ok {
			toOrder = append(toOrder, id)
		} else {
			*out = append(*out, Change{Path: elem(id), Op: Added, To: e})
		}
	}
	if !slices.Equal(fromOrder, toOrder) {
		*out = append(*out, Change{Path: path, Op: Reordered, From: from, To: to})
	}
}

// commonKey finds an identity key that every element of both arrays
// carries, as a string or a number, once per array.
func commonKey(a, b []any) (string, bool) {
	if len(a) == 0 && len(b) == 0 {
		return "", false
	}
	for _, key := range identityKeys {
		if uniqueKey(a, key) && uniqueKey(b, key) {
			return key, true
		}
	}
	return "", false
}

func uniqueKey(elems []any, key string) bool {
	seen := make(map[string]bool, len(elems))
	for _, e := range elems {
		id := keyOf(e, key)
		if id == "" || seen[id] {
			return false
		}
		seen[id] = true
	}
	return true
}

// keyOf returns the element's identity under key, or "" when it has none.
func keyOf(e any, key string) string {
	obj, ok := e.(map[string]any)
	if !ok {
		return ""
	}
	switch v := obj[key].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}

func index(elems []any, key string) map[string]int {
	idx := make(map[string]int, len(elems))
	for i, e := range elems {
		idx[keyOf(e, key)] = i
	}
	return idx
}

func scalarEqual(a, b any) bool {
	an, aNum := a.(json.Number)
	bn, bNum := b.(json.Number)
	if aNum && bNum {
		if an == bn {
			return true
		}
		af, _, errA := big.ParseFloat(an.String(), 10, 256, big.ToNearestEven)
		bf, _, errB := big.ParseFloat(bn.String(), 10, 256, big.ToNearestEven)
		return errA == nil && errB == nil && af.Cmp(bf) == 0
	}
	switch a.(type) {
	case map[string]any, []any:
		return false
	}
	switch b.(type) {
	case map[string]any, []any, json.Number:
		return false
	}
	return a == b
}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

func join(path, key string) string {
	seg := key
	if !plainKey.MatchString(key) {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return seg
	}
	return path + "." + seg
}

func render(v any, redact func(string) string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	s := fmt.Sprintf("%v", v)
	if err := enc.Encode(v); err == nil {
		s = strings.TrimSuffix(buf.String(), "\n")
	}
	if redact != nil {
		s = redact(s)
	}
	if len(s) > maxValueLen {
		s = strings.ToValidUTF8(s[:maxValueLen], "") + "…"
	}
	return s
}
