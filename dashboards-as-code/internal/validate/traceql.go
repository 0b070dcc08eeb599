package validate

import (
	"slices"
	"strings"

	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/traceql"
)

// TraceQL functions and keywords the check lets pass: the pipeline's
// aggregates and select, and the literals.
var (
	traceQLFunctions = []string{"select", "by", "coalesce", "count", "avg", "min", "max", "sum",
		"rate", "count_over_time", "quantile_over_time", "histogram_over_time"}
	traceQLLiterals = []string{"true", "false", "nil"}
	traceQLCompare  = []string{"=", "!=", "=~", "!~", ">", ">=", "<", "<="}
)

// traceQLProblems checks a TraceQL query structurally: balanced brackets
// and quotes, a spanset filter first, and every name in it an intrinsic, a
// resource attribute the backend sets or an attribute of its OpenAI spans,
// scoped resource. or span. (or unscoped, .name), with closed values checked.
func traceQLProblems(q string) []string {
	c, problems := startChecker(q, "a TraceQL query starts with a spanset filter")
	if c == nil {
		return problems
	}
	for ; !c.done(); c.next() {
		t := c.tok()
		if t.kind != tokIdent {
			continue
		}
		if c.i+1 < len(c.toks) && c.toks[c.i+1].text == "(" && slices.Contains(traceQLFunctions, t.text) {
			continue
		}
		if slices.Contains(traceQLLiterals, t.text) {
			continue
		}
		known, ok := c.traceQLName(t.text)
		if !ok {
			continue
		}
		if c.i+2 < len(c.toks) && c.toks[c.i+1].kind == tokOp && slices.Contains(traceQLCompare, c.toks[c.i+1].text) {
			op, value := c.toks[c.i+1], c.toks[c.i+2]
			c.traceQLValue(t.text, op.text, value, known)
			c.i += 2
		}
	}
	return c.problems
}

// traceQLName checks a name and returns the closed values of the attribute
// or intrinsic it names.
func (c *checker) traceQLName(name string) ([]string, bool) {
	key, scope := name, ""
	switch {
	case strings.HasPrefix(name, traceql.ScopeResource):
		key, scope = strings.TrimPrefix(name, traceql.ScopeResource), traceql.ScopeResource
	case strings.HasPrefix(name, traceql.ScopeSpan):
		key, scope = strings.TrimPrefix(name, traceql.ScopeSpan), traceql.ScopeSpan
	case strings.HasPrefix(name, "."):
		key, scope = name[1:], "."
	}
	resource, span, intrinsics := tempoResourceAttributes(), tempoSpanAttributes(), tempoIntrinsics()
	switch scope {
	case traceql.ScopeResource:
		if v, ok := resource[key]; ok {
			return v, true
		}
		c.addf("%q: %q is not a resource attribute of the backend's spans (known: %s)", name, key, strings.Join(sortedKeys(resource), ", "))
	case traceql.ScopeSpan:
		if v, ok := span[key]; ok {
			return v, true
		}
		c.addf("%q: %q is not an attribute of the backend's OpenAI spans (backend/openaimetrics: %s)", name, key, strings.Join(sortedKeys(span), ", "))
	case ".":
		if v, ok := span[key]; ok {
			return v, true
		}
		if v, ok := resource[key]; ok {
			return v, true
		}
		c.addf("%q: %q is not an attribute of the backend's spans", name, key)
	default:
		if v, ok := intrinsics[name]; ok {
			return v, true
		}
		c.addf("%q is neither a TraceQL intrinsic the check knows (%s) nor a scoped attribute (%sname, %sname)",
			name, strings.Join(sortedKeys(intrinsics), ", "), traceql.ScopeResource, traceql.ScopeSpan)
	}
	return nil, false
}

// traceQLValue checks the value a name is compared with.
func (c *checker) traceQLValue(name, op string, value token, allowed []string) {
	switch value.kind {
	case tokString:
		c.checkValues(name, op, value.value(), map[string][]string{name: allowed})
	case tokIdent:
		switch {
		case slices.Contains(traceQLLiterals, value.text):
		case allowed != nil && slices.Contains(allowed, value.text):
		default:
			c.addf("%s%s%s: %q is not a value of %s", name, op, value.text, value.text, name)
		}
	}
}
