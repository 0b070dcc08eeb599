package queries

import (
	"regexp"
)

// macroValues are the values of Grafana's global macros in an instant query.
func macroValues() map[string]string {
	return map[string]string{
		"__rate_interval":    "5m",
		"__rate_interval_ms": "300000",
		"__interval":         "1m",
		"__interval_ms":      "60000",
		"__range":            "1h",
		"__range_s":          "3600",
		"__range_ms":         "3600000",
	}
}

// anyValue replaces a dashboard variable: a regular expression matching
// every value, as the variables' "All" option does.
const anyValue = ".+"

// reference matches ${name}, ${name:format}, [[name]] and $name. A name
// starts with a letter or '_': $1 is label_replace's reference to a capture
// group, which Grafana leaves alone too (no variable has that name).
var reference = regexp.MustCompile(`\$\{([A-Za-z_]\w*)(?::[^}]*)?\}|\[\[([A-Za-z_]\w*)(?::[^\]]*)?\]\]|\$([A-Za-z_]\w*)`)

// Substitute replaces Grafana macros and dashboard variables in a PromQL
// expression with the values documented in the package comment.
func Substitute(expr string) string {
	macros := macroValues()
	return reference.ReplaceAllStringFunc(expr, func(ref string) string {
		m := reference.FindStringSubmatch(ref)
		name := m[1] + m[2] + m[3]
		if v, ok := macros[name]; ok {
			return v
		}
		return anyValue
	})
}

// References returns the Grafana macros and variables an expression names:
// after Substitute, none.
func References(expr string) []string { return reference.FindAllString(expr, -1) }
