package jsondiff

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A changed string longer than wordDiffMin characters (as JSON), or one
// with a newline, is shown as a word diff: the common text around the
// change is kept as context, up to contextLen characters either side, and
// the changed words are marked [-old-]{+new+}, as git diff
// --word-diff=plain does. A query, a description or a long title then reads
// at a glance, however deep in the value the change is.
const (
	wordDiffMin = 60
	contextLen  = 40
	// maxHunkLen bounds each side of one marked change; a longer one is cut
	// after its start, so the change itself is always shown.
	maxHunkLen = 200
	// maxHunks bounds the marked changes of one value.
	maxHunks = 8
	// maxCells bounds the word alignment (tokens of one side times the
	// other); beyond it the whole differing middle is one change.
	maxCells = 1 << 18
)

// wordDiffable returns the two strings of a change to show as a word diff,
// redacted, or false when the change is better shown as "old -> new".
func wordDiffable(from, to any, redact func(string) string) (string, string, bool) {
	a, okA := from.(string)
	b, okB := to.(string)
	if !okA || !okB {
		return "", "", false
	}
	if len(quote(a)) <= wordDiffMin && len(quote(b)) <= wordDiffMin && !strings.Contains(a+b, "\n") {
		return "", "", false
	}
	a, b = redactString(a, redact), redactString(b, redact)
	if a == b {
		return "", "", false
	}
	return a, b, true
}

// redactString passes a string through redact as it would be printed (as
// JSON), so that a secret escaped in JSON is found too, and back.
func redactString(s string, redact func(string) string) string {
	if redact == nil {
		return s
	}
	q := redact(quote(s))
	var out string
	if err := json.Unmarshal([]byte(q), &out); err == nil {
		return out
	}
	return strings.TrimSuffix(strings.TrimPrefix(q, `"`), `"`)
}

// WordDiff renders the change of a string from a to b on one line, quoted
// as JSON: the common text as context (cut to contextLen characters either
// side of each change, "…" where cut), each change as [-old-]{+new+}.
func WordDiff(a, b string) string {
	ops := wordOps(tokens(a), tokens(b))
	var out strings.Builder
	out.WriteByte('"')
	hunks := 0
	for i, op := range ops {
		if op.equal {
			out.WriteString(context(op.del, i == 0, i == len(ops)-1))
			continue
		}
		hunks++
		if hunks > maxHunks {
			out.WriteString("…")
			break
		}
		if op.del != "" {
			out.WriteString("[-" + escape(cut(op.del, maxHunkLen)) + "-]")
		}
		if op.ins != "" {
			out.WriteString("{+" + escape(cut(op.ins, maxHunkLen)) + "+}")
		}
	}
	out.WriteByte('"')
	return out.String()
}

// context renders a run of common text: the start of the value keeps its
// last contextLen characters, the end its first, a run between two
// changes both ends.
func context(s string, first, last bool) string {
	switch {
	case first && last:
		return escape(s)
	case first:
		if tail, ok := tailAt(s, contextLen); ok {
			return "…" + escape(tail)
		}
	case last:
		if head, ok := headAt(s, contextLen); ok {
			return escape(head) + "…"
		}
	default:
		if len(s) > 2*contextLen+minElided {
			head, _ := headAt(s, contextLen)
			tail, _ := tailAt(s, contextLen)
			return escape(head) + "…" + escape(tail)
		}
	}
	return escape(s)
}

// minElided is the least text worth replacing with "…".
const minElided = 12

// headAt returns the first n bytes of s and the rest of the token at n
// (cut at n within a token longer than contextLen), without white space at
// the end, and whether anything was left off.
func headAt(s string, n int) (string, bool) {
	if len(s) <= n+minElided {
		return s, false
	}
	end := 0
	for _, t := range tokens(s) {
		if end >= n {
			break
		}
		end += len(t)
	}
	if end > n+contextLen {
		end = validCut(s, n)
	}
	if len(s)-end < minElided {
		return s, false
	}
	return strings.TrimRightFunc(s[:end], unicode.IsSpace), true
}

// tailAt returns the last n bytes of s and the rest of the token at n (as
// headAt does), without white space at the start, and whether anything was
// left off.
func tailAt(s string, n int) (string, bool) {
	if len(s) <= n+minElided {
		return s, false
	}
	toks := tokens(s)
	start := len(s)
	for i := len(toks) - 1; i >= 0; i-- {
		if len(s)-start >= n {
			break
		}
		start -= len(toks[i])
	}
	if len(s)-start > n+contextLen {
		start = len(s) - n
		for start < len(s) && !utf8.RuneStart(s[start]) {
			start++
		}
	}
	if start < minElided {
		return s, false
	}
	return strings.TrimLeftFunc(s[start:], unicode.IsSpace), true
}

// cut shortens s to about n bytes, on a rune boundary, marking the cut.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:validCut(s, n)] + "…"
}

func validCut(s string, n int) int {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}

// escape writes s as inside a JSON string, without the quotes: one line,
// newlines as \n.
func escape(s string) string {
	q := quote(s)
	return q[1 : len(q)-1]
}

// quote renders s as a JSON string, without HTML escaping.
func quote(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(buf.String(), "\n")
}

// tokens splits s into words (letters, digits and _ . : together, so that
// metric names, label values, numbers and durations stay whole), runs of
// white space, and single other characters (the operators and brackets of
// PromQL, LogQL and TraceQL). Joined, they are s.
func tokens(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		j := i + size
		switch {
		case isWord(r):
			for j < len(s) {
				r, n := utf8.DecodeRuneInString(s[j:])
				if !isWord(r) {
					break
				}
				j += n
			}
		case unicode.IsSpace(r):
			for j < len(s) {
				r, n := utf8.DecodeRuneInString(s[j:])
				if !unicode.IsSpace(r) {
					break
				}
				j += n
			}
		}
		out = append(out, s[i:j])
		i = j
	}
	return out
}

func isWord(r rune) bool {
	return r == '_' || r == '.' || r == ':' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// wordOp is a run of common text (equal, in del) or one change (del
// replaced by ins).
type wordOp struct {
	equal    bool
	del, ins string
}

// wordOps aligns two token lists: the common prefix and suffix, and in
// between the longest common subsequence of tokens. Common runs of white
// space alone between two changes join them into one, so that a rewritten
// phrase reads as one change rather than word by word.
func wordOps(a, b []string) []wordOp {
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	var ops []wordOp
	push := func(equal bool, del, ins string) {
		if del == "" && ins == "" {
			return
		}
		if n := len(ops); n > 0 && ops[n-1].equal == equal {
			ops[n-1].del += del
			ops[n-1].ins += ins
			return
		}
		ops = append(ops, wordOp{equal: equal, del: del, ins: ins})
	}
	push(true, strings.Join(a[:p], ""), "")
	ma, mb := a[p:len(a)-s], b[p:len(b)-s]
	if len(ma)*len(mb) > maxCells {
		push(false, strings.Join(ma, ""), strings.Join(mb, ""))
	} else {
		for _, op := range lcsOps(ma, mb) {
			push(op.equal, op.del, op.ins)
		}
	}
	push(true, strings.Join(a[len(a)-s:], ""), "")

	ops = slideRight(ops)

	// Join changes separated by white space only.
	var joined []wordOp
	for i := 0; i < len(ops); i++ {
		op := ops[i]
		if !op.equal && len(joined) >= 2 {
			prev, gap := &joined[len(joined)-2], joined[len(joined)-1]
			if !prev.equal && gap.equal && strings.TrimSpace(gap.del) == "" {
				prev.del += gap.del + op.del
				prev.ins += gap.del + op.ins
				joined = joined[:len(joined)-1]
				continue
			}
		}
		joined = append(joined, op)
	}
	return joined
}

// slideRight moves a pure insertion or deletion past the common text after
// it when that text repeats it ("x[5m]{+)+})))" is "x[5m]))){+)+}"), so
// that an added closing bracket shows where it was added.
func slideRight(ops []wordOp) []wordOp {
	for i := 0; i+1 < len(ops); i++ {
		op, next := &ops[i], &ops[i+1]
		moved := op.ins
		if op.del != "" {
			moved = op.del
		}
		if op.equal || (op.del != "" && op.ins != "") || !next.equal {
			continue
		}
		shifted := ""
		for strings.HasPrefix(next.del, moved) && onBoundary(next.del, len(moved)) {
			shifted += moved
			next.del = next.del[len(moved):]
		}
		if shifted == "" {
			continue
		}
		if i > 0 && ops[i-1].equal {
			ops[i-1].del += shifted
		} else {
			ops = append(ops[:i], append([]wordOp{{equal: true, del: shifted}}, ops[i:]...)...)
			i++
		}
		if ops[i+1].del == "" {
			// The change now ends the common text: swap them, then merge
			// with what follows.
			ops = append(ops[:i+1], ops[i+2:]...)
			if i+1 < len(ops) && !ops[i+1].equal {
				ops[i].del += ops[i+1].del
				ops[i].ins += ops[i+1].ins
				ops = append(ops[:i+1], ops[i+2:]...)
			}
		}
	}
	return ops
}

// onBoundary tells whether n falls between two tokens of s.
func onBoundary(s string, n int) bool {
	at := 0
	for _, t := range tokens(s) {
		if at == n {
			return true
		}
		at += len(t)
	}
	return at == n
}

// lcsOps aligns a and b by their longest common subsequence of tokens.
func lcsOps(a, b []string) []wordOp {
	n, m := len(a), len(b)
	// l[i][j] is the LCS length of a[i:] and b[j:].
	l := make([][]int32, n+1)
	for i := range l {
		l[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				l[i][j] = l[i+1][j+1] + 1
			} else {
				l[i][j] = max(l[i+1][j], l[i][j+1])
			}
		}
	}
	var ops []wordOp
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, wordOp{equal: true, del: a[i]})
			i, j = i+1, j+1
		case j < m && (i == n || l[i][j+1] >= l[i+1][j]):
			ops = append(ops, wordOp{ins: b[j]})
			j++
		default:
			ops = append(ops, wordOp{del: a[i]})
			i++
		}
	}
	return ops
}
