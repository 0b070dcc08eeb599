package validate

import (
	"slices"
	"strings"
)

// LogQL stages that parse the line or rewrite labels: the backend's OTLP
// records carry their fields as structured metadata already, so a query of
// the artifacts has no use for them, and the check cannot follow the labels
// they make.
var logQLParserStages = []string{"json", "logfmt", "regexp", "pattern", "unpack", "label_format", "unwrap", "decolorize"}

var (
	logQLMatchOps = []string{"=", "!=", "=~", "!~"}
	logQLLineOps  = []string{"|=", "!=", "|~", "!~"}
	logQLCompare  = []string{"=", "!=", "=~", "!~", "==", ">", ">=", "<", "<="}
)

// logQLProblems checks a log query structurally: balanced brackets and
// quotes, a stream selector on the backend's stream labels, then line
// filters and label filters on the labels and structured metadata its
// records really carry, with closed values checked.
func logQLProblems(q string) []string {
	c, problems := startChecker(q, "a log query starts with a stream selector")
	if c == nil {
		return problems
	}
	c.next()
	c.streamSelector()
	for !c.done() {
		switch {
		case c.isOp(logQLLineOps...):
			c.next()
			if !c.expect(tokString, "a string after a line filter") {
				return c.problems
			}
		case c.isOp("|"):
			c.next()
			c.stage()
		default:
			c.addf("unexpected %q at %d: a pipeline stage starts with | or a line filter", c.tok().text, c.tok().pos)
			return c.problems
		}
	}
	return c.problems
}

// streamSelector checks the matchers up to the selector's closing brace.
func (c *checker) streamSelector() {
	labels, n := lokiStreamLabels(), 0
	for !c.done() && !c.is(tokClose, "}") {
		name := c.tok()
		if !c.expect(tokIdent, "a stream label") {
			return
		}
		op := c.tok()
		if !c.isOp(logQLMatchOps...) {
			c.addf("unexpected %q at %d: a stream matcher is label, =, !=, =~ or !~, and a string", op.text, op.pos)
			return
		}
		c.next()
		value := c.tok()
		if !c.expect(tokString, "a string value") {
			return
		}
		c.checkName(name.text, labels, "a stream label of the backend's logs in Loki")
		c.checkValues(name.text, op.text, value.value(), labels)
		n++
		if c.isOp(",") {
			c.next()
		}
	}
	if n == 0 {
		c.addf("the stream selector matches no label: Loki needs at least one")
	}
	c.next()
}

// stage checks one pipeline stage after its |.
func (c *checker) stage() {
	name := c.tok()
	switch {
	case name.kind != tokIdent:
		c.addf("unexpected %q at %d after |", name.text, name.pos)
		c.next()
	case name.text == "line_format":
		c.next()
		tmpl := c.tok()
		if c.expect(tokString, "a template after line_format") {
			for _, field := range templateFields(tmpl.value()) {
				c.checkName(field, lokiRecordLabels(), "a label or structured metadata of the backend's logs in Loki")
			}
		}
	case name.text == "keep" || name.text == "drop":
		c.next()
		for c.is(tokIdent, "") {
			c.checkName(c.tok().text, lokiRecordLabels(), "a label or structured metadata of the backend's logs in Loki")
			c.next()
			if !c.isOp(",") {
				break
			}
			c.next()
		}
	case slices.Contains(logQLParserStages, name.text):
		c.addf("stage %q: the backend's records carry their fields as structured metadata already; the check knows label filters, line filters, line_format, keep and drop", name.text)
		for !c.done() && !c.isOp("|") && !c.isOp(logQLLineOps...) {
			c.next()
		}
	default:
		c.labelFilter()
	}
}

// labelFilter checks a label filter expression: comparisons joined by and,
// or and commas, in parentheses or not.
func (c *checker) labelFilter() {
	labels := lokiRecordLabels()
	for !c.done() {
		for c.is(tokOpen, "(") || c.is(tokClose, ")") {
			c.next()
		}
		name := c.tok()
		if !c.expect(tokIdent, "a label or structured metadata key") {
			return
		}
		op := c.tok()
		if !c.isOp(logQLCompare...) {
			c.addf("unexpected %q at %d: a label filter is key, a comparison and a value", op.text, op.pos)
			return
		}
		c.next()
		value := c.tok()
		if value.kind != tokString && value.kind != tokNumber {
			c.addf("unexpected %q at %d: a label filter compares with a string or a number", value.text, value.pos)
			return
		}
		c.next()
		c.checkName(name.text, labels, "a label or structured metadata of the backend's logs in Loki")
		if value.kind == tokString {
			c.checkValues(name.text, op.text, value.value(), labels)
		}
		for c.is(tokClose, ")") {
			c.next()
		}
		if c.isOp(",") || c.is(tokIdent, "and") || c.is(tokIdent, "or") {
			c.next()
			continue
		}
		return
	}
}

// templateFields are the fields a line_format template refers to: {{.name}}.
func templateFields(tmpl string) []string {
	var out []string
	for _, part := range strings.Split(tmpl, "{{")[1:] {
		action, _, _ := strings.Cut(part, "}}")
		for _, word := range strings.FieldsFunc(action, func(r rune) bool { return r == ' ' || r == '(' || r == ')' || r == '|' }) {
			if strings.HasPrefix(word, ".") && len(word) > 1 {
				out = append(out, word[1:])
			}
		}
	}
	return out
}
