package validate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/queries"
)

// promQLProblems parses a query and checks every metric, label and closed
// label value it names against the contract.
func promQLProblems(q queries.Query) []string {
	if len(queries.References(q.Expr)) > 0 {
		return []string{fmt.Sprintf("a Grafana macro or variable is left after substitution: %s", q.Expr)}
	}
	expr, err := parser.NewParser(parser.Options{}).ParseExpr(q.Expr)
	if err != nil {
		return []string{fmt.Sprintf("does not parse: %v (in %s)", err, q.Expr)}
	}
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
		switch n := node.(type) {
		case *parser.VectorSelector:
			for _, p := range selectorProblems(n) {
				add("%s", p)
			}
		case *parser.AggregateExpr:
			have := labelsUnder(n.Expr)
			for _, l := range n.Grouping {
				if !have[l] {
					add("%s groups by %q, a label none of its series has", n.Op, l)
				}
			}
		case *parser.BinaryExpr:
			if n.VectorMatching == nil {
				break
			}
			have := labelsUnder(n.LHS)
			for l := range labelsUnder(n.RHS) {
				have[l] = true
			}
			for _, l := range append(slices.Clone(n.VectorMatching.MatchingLabels), n.VectorMatching.Include...) {
				if !have[l] {
					add("%s matches on %q, a label neither side has", n.Op, l)
				}
			}
		}
		return nil
	})

	if q.Source.Kind == queries.Variable {
		if label, ok := queries.VariableLabel(q.Original); ok && !labelsUnder(expr)[label] {
			add("label_values lists %q, a label the series do not have", label)
		}
	}
	return problems
}

// selectorProblems checks one series selector against the contract.
func selectorProblems(vs *parser.VectorSelector) []string {
	name := vs.Name
	if name == "" {
		for _, lm := range vs.LabelMatchers {
			if lm.Name == labels.MetricName && lm.Type == labels.MatchEqual {
				name = lm.Value
			}
		}
	}
	if name == "" {
		return []string{fmt.Sprintf("%s selects no metric by name", vs)}
	}
	series, ok := m.LookupSeries(name)
	if !ok {
		return []string{fmt.Sprintf("metric %q is not declared by the contract (backend/openaimetrics)", name)}
	}
	var problems []string
	for _, lm := range vs.LabelMatchers {
		if lm.Name == labels.MetricName {
			continue
		}
		if !slices.Contains(series.Labels, lm.Name) {
			problems = append(problems, fmt.Sprintf("%s has no label %q in the contract", name, lm.Name))
			continue
		}
		allowed, closed := m.LabelValues(lm.Name)
		if !closed {
			continue
		}
		for _, v := range matcherValues(lm) {
			if !slices.Contains(allowed, v) {
				problems = append(problems, fmt.Sprintf("%s{%s} uses %q, not a value of %s in the contract (%s)",
					name, lm, v, lm.Name, strings.Join(allowed, ", ")))
			}
		}
	}
	return problems
}

// matcherValues returns the literal values a matcher names (literalValues).
func matcherValues(lm *labels.Matcher) []string { return literalValues(lm.Type.String(), lm.Value) }

// unquoteMeta undoes regexp.QuoteMeta.
func unquoteMeta(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// labelsUnder is every label the contract gives the series selected below a
// node, and every label a label_replace or label_join below it writes: what
// an aggregation or a vector match may refer to.
func labelsUnder(node parser.Node) map[string]bool {
	have := map[string]bool{}
	parser.Inspect(node, func(n parser.Node, _ []parser.Node) error {
		switch n := n.(type) {
		case *parser.VectorSelector:
			if s, ok := m.LookupSeries(n.Name); ok {
				for _, l := range s.Labels {
					have[l] = true
				}
			}
		case *parser.Call:
			if dst, ok := labelWritten(n); ok {
				have[dst] = true
			}
		}
		return nil
	})
	return have
}

// labelWritten returns the label a label_replace or label_join call writes,
// its second argument.
func labelWritten(call *parser.Call) (string, bool) {
	if call.Func == nil || (call.Func.Name != "label_replace" && call.Func.Name != "label_join") || len(call.Args) < 2 {
		return "", false
	}
	dst, ok := call.Args[1].(*parser.StringLiteral)
	if !ok {
		return "", false
	}
	return dst.Val, true
}
