package validate

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// The lexer and token walker of the structural LogQL and TraceQL checks. No LogQL or
// TraceQL parser may be used here (Loki's and Tempo's are AGPL), so the
// checks tokenise a query, require its brackets and quotes to balance, and
// look at the names in it; they do not know the whole grammar.

type tokenKind int

const (
	tokIdent tokenKind = iota + 1
	tokString
	tokNumber
	tokOp
	tokOpen
	tokClose
)

type token struct {
	kind tokenKind
	text string
	pos  int
}

// value is a string token's content, unquoted.
func (t token) value() string {
	if t.kind != tokString {
		return t.text
	}
	if strings.HasPrefix(t.text, "`") {
		return strings.Trim(t.text, "`")
	}
	v, err := strconv.Unquote(t.text)
	if err != nil {
		return t.text
	}
	return v
}

// operators, longest first.
var operators = []string{"=~", "!~", "!=", "|=", "|~", ">=", "<=", "==", "&&", "||", "=", ">", "<", "|", ",", "!", "+", "-", "*", "/", "%", "^", "~"}

var closing = map[rune]rune{'(': ')', '{': '}', '[': ']'}

// lex splits a query into tokens and reports unterminated strings, unknown
// characters and brackets that do not balance.
func lex(q string) ([]token, []string) {
	var (
		toks     []token
		problems []string
		stack    []token
	)
	for i := 0; i < len(q); {
		c := rune(q[i])
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '"' || c == '`':
			end := stringEnd(q, i)
			if end < 0 {
				return toks, append(problems, fmt.Sprintf("the string at %d is never closed", i))
			}
			toks = append(toks, token{tokString, q[i:end], i})
			i = end
		case c == '(' || c == '{' || c == '[':
			t := token{tokOpen, string(c), i}
			toks, stack = append(toks, t), append(stack, t)
			i++
		case c == ')' || c == '}' || c == ']':
			switch {
			case len(stack) == 0:
				problems = append(problems, fmt.Sprintf("%q at %d closes nothing", c, i))
			case closing[rune(stack[len(stack)-1].text[0])] != c:
				open := stack[len(stack)-1]
				problems = append(problems, fmt.Sprintf("%q at %d does not close %q at %d", c, i, open.text, open.pos))
				stack = stack[:len(stack)-1]
			default:
				stack = stack[:len(stack)-1]
			}
			toks = append(toks, token{tokClose, string(c), i})
			i++
		case c >= '0' && c <= '9':
			j := i + 1
			for j < len(q) && (isNameByte(q[j]) || q[j] == '.') {
				j++
			}
			toks = append(toks, token{tokNumber, q[i:j], i})
			i = j
		case isNameByte(q[i]) || c == '.':
			j := i + 1
			for j < len(q) && (isNameByte(q[j]) || q[j] == '.' || q[j] == ':') {
				j++
			}
			toks = append(toks, token{tokIdent, q[i:j], i})
			i = j
		default:
			op := ""
			for _, o := range operators {
				if strings.HasPrefix(q[i:], o) {
					op = o
					break
				}
			}
			if op == "" {
				problems = append(problems, fmt.Sprintf("unexpected character %q at %d", c, i))
				i++
				continue
			}
			toks = append(toks, token{tokOp, op, i})
			i += len(op)
		}
	}
	for _, open := range stack {
		problems = append(problems, fmt.Sprintf("%q at %d is never closed", open.text, open.pos))
	}
	return toks, problems
}

// stringEnd is the index after the string that starts at i, or -1 when it
// does not end.
func stringEnd(q string, i int) int {
	quote := q[i]
	for j := i + 1; j < len(q); j++ {
		switch {
		case q[j] == '\\' && quote == '"':
			j++
		case q[j] == quote:
			return j + 1
		}
	}
	return -1
}

func isNameByte(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// literalValues returns the values a matcher names: its value, or for a
// regular expression operator each alternative of an alternation of
// literals. A regular expression that is not one yields itself, which no
// closed set contains.
func literalValues(op, value string) []string {
	if op != "=~" && op != "!~" {
		return []string{value}
	}
	parts := strings.Split(value, "|")
	for i, p := range parts {
		if regexp.QuoteMeta(unquoteMeta(p)) != p {
			return []string{value}
		}
		parts[i] = unquoteMeta(p)
	}
	return parts
}

// checker walks the tokens of a query and collects its problems.
type checker struct {
	toks     []token
	i        int
	problems []string
}

// startChecker lexes a query that must start with a brace: a checker at its
// first token, or nil and the query's problems.
func startChecker(q, starts string) (*checker, []string) {
	toks, problems := lex(q)
	if len(problems) > 0 {
		return nil, problems
	}
	c := &checker{toks: toks}
	if !c.is(tokOpen, "{") {
		return nil, []string{fmt.Sprintf("%s {...}: %s", starts, q)}
	}
	return c, nil
}

func (c *checker) done() bool { return c.i >= len(c.toks) }

func (c *checker) tok() token {
	if c.done() {
		return token{text: "end of query", pos: -1}
	}
	return c.toks[c.i]
}

func (c *checker) next() { c.i++ }

// is tells whether the current token is of kind and, unless text is empty,
// has that text.
func (c *checker) is(kind tokenKind, text string) bool {
	t := c.tok()
	return !c.done() && t.kind == kind && (text == "" || t.text == text)
}

func (c *checker) isOp(ops ...string) bool {
	return c.is(tokOp, "") && slices.Contains(ops, c.tok().text)
}

// expect moves past a token of kind, or reports what was wanted.
func (c *checker) expect(kind tokenKind, what string) bool {
	if !c.is(kind, "") {
		t := c.tok()
		if t.pos < 0 {
			c.addf("the query ends where it needs %s", what)
		} else {
			c.addf("unexpected %q at %d: want %s", t.text, t.pos, what)
		}
		return false
	}
	c.next()
	return true
}

func (c *checker) addf(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// checkName reports a name that known lacks.
func (c *checker) checkName(name string, known map[string][]string, what string) {
	if _, ok := known[name]; !ok {
		c.addf("%q is not %s (known: %s)", name, what, strings.Join(sortedKeys(known), ", "))
	}
}

// checkValues reports a value outside a name's closed set.
func (c *checker) checkValues(name, op, value string, known map[string][]string) {
	allowed := known[name]
	if allowed == nil {
		return
	}
	for _, v := range literalValues(op, value) {
		if !slices.Contains(allowed, v) {
			c.addf("%s%s%q uses %q, not a value the backend emits for %s (%s)", name, op, value, v, name, strings.Join(allowed, ", "))
		}
	}
}

func sortedKeys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
