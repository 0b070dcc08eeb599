package artifact

import (
	"regexp"
	"strings"
	"time"
)

// macroValues are the values that Grafana's global macros take in a
// Prometheus query, as used to parse it: durations where Grafana puts a
// duration, numbers where it puts a number. Grafana's Prometheus backend
// replaces the same macros in alert rule queries.
var macroValues = map[string]string{
	"__rate_interval":    "5m",
	"__rate_interval_ms": "300000",
	"__interval":         "1m",
	"__interval_ms":      "60000",
	"__range":            "1h",
	"__range_s":          "3600",
	"__range_ms":         "3600000",
}

// grafanaRef matches a reference to a variable or macro: ${name},
// ${name:format}, ${name.field}, [[name]], [[name:format]] and $name. The
// name is the first non-empty group.
var grafanaRef = regexp.MustCompile(`\$\{(\w+)(?:[.:][^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)`)

// anyValue stands for a variable inside a string: a regular expression
// that matches every value, as the variable's "All" option does; inside
// an equality matcher it is just a string.
const anyValue = ".+"

// variable is a dashboard variable, as substitution and datasource
// resolution need it.
type variable struct {
	name, typ string
	// current is its current value when that is one concrete value.
	current string
	// plugin is the datasource type a datasource variable lists.
	plugin string
}

// substitution is an expression with Grafana's references replaced, and
// the way back to positions in the original.
type substitution struct {
	text  string
	spans []span
}

// span is one replaced reference: text[at:at+n] stands for
// original[orig:orig+origN].
type span struct{ at, n, orig, origN int }

// substitute replaces Grafana's macros, and the dashboard variables of
// vars, in a PromQL expression, so that the Prometheus parser can read
// it. A reference to neither is left as it is, as Grafana leaves it (a
// $1 inside a label_replace string stays $1). A variable inside a string
// becomes ".+"; outside one, its current value when it has a single one,
// else a duration in a range or after offset, else the number 1. Interval
// variables are always a duration. References inside comments are not
// replaced.
func substitute(expr string, vars map[string]variable) substitution {
	var s substitution
	states := lexStates(expr)
	var b strings.Builder
	last := 0
	for _, m := range grafanaRef.FindAllStringSubmatchIndex(expr, -1) {
		start, end := m[0], m[1]
		if states[start] == inComment {
			continue
		}
		name := ""
		for g := 1; g <= 3; g++ {
			if m[2*g] >= 0 {
				name = expr[m[2*g]:m[2*g+1]]
				break
			}
		}
		value, ok := referenceValue(name, vars, states[start] == inString, expr[:start])
		if !ok {
			continue
		}
		b.WriteString(expr[last:start])
		s.spans = append(s.spans, span{at: b.Len(), n: len(value), orig: start, origN: end - start})
		b.WriteString(value)
		last = end
	}
	b.WriteString(expr[last:])
	s.text = b.String()
	return s
}

// referenceValue is what a reference to name stands for; false when name
// is neither a macro nor one of vars.
func referenceValue(name string, vars map[string]variable, inQuotes bool, before string) (string, bool) {
	if v, ok := macroValues[name]; ok {
		return v, true
	}
	v, ok := vars[name]
	switch {
	case !ok:
		return "", false
	case v.typ == "interval":
		if _, err := time.ParseDuration(v.current); err == nil || promDuration.MatchString(v.current) {
			return v.current, true
		}
		return "1m", true
	case inQuotes:
		return anyValue, true
	case v.current != "":
		return v.current, true
	case durationContext(before):
		return "1m", true
	}
	return "1", true
}

// durationContext reports whether what comes right after before is a
// duration: inside a range or subquery ([..] or [..:..]) or after offset.
func durationContext(before string) bool {
	trimmed := strings.TrimRight(before, " \t\r\n")
	if strings.HasSuffix(trimmed, "[") || strings.HasSuffix(trimmed, ":") {
		return true
	}
	return strings.HasSuffix(strings.ToLower(trimmed), "offset")
}

// original maps a byte position of the substituted text to the original
// expression: a position inside a replacement maps to the reference's
// start.
func (s substitution) original(pos int) int {
	delta := 0
	for _, sp := range s.spans {
		switch {
		case pos < sp.at:
			return pos + delta
		case pos < sp.at+sp.n:
			return sp.orig
		}
		delta = sp.orig + sp.origN - (sp.at + sp.n)
	}
	return pos + delta
}

// Lexical states of a PromQL expression, per byte.
const (
	inCode = iota
	inString
	inComment
)

// lexStates says for each byte of a PromQL expression whether it is code,
// inside a string ("...", '...' or `...`, quotes included) or inside a
// comment (# to the end of the line).
func lexStates(expr string) []uint8 {
	states := make([]uint8, len(expr)+1)
	var quote byte
	comment := false
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch {
		case comment:
			states[i] = inComment
			if c == '\n' {
				comment = false
			}
		case quote != 0:
			states[i] = inString
			if c == '\\' && quote != '`' && i+1 < len(expr) {
				i++
				states[i] = inString
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'' || c == '`':
			states[i] = inString
			quote = c
		case c == '#':
			states[i] = inComment
			comment = true
		}
	}
	return states
}
