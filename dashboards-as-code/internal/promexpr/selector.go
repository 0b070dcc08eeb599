// Package promexpr builds the PromQL expressions of the dashboards and alert
// rules from the metric contract (backend/openaimetrics). Each exported
// function is one signal (RequestRate, ErrorPercent, LatencyQuantile, ...);
// metric names, label keys and label values come only from the contract.
//
// Expressions are built as text from small typed parts. The artifacts'
// validation parses every one of them and checks it against the contract.
package promexpr

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// Window is the range of a range-vector selector: a duration or a Grafana
// macro.
type Window string

// RateInterval is Grafana's rate window macro: at least four scrape intervals,
// and never shorter than the panel's step.
const RateInterval Window = "$__rate_interval"

// Over is a fixed window in Prometheus notation (5m, 1h, 1d).
func Over(d time.Duration) Window { return Window(model.Duration(d).String()) }

// matcher is one label matcher.
type matcher struct {
	label, op, value string
}

func (m matcher) String() string { return m.label + m.op + strconv.Quote(m.value) }

// Selector selects series of one metric of the contract.
type Selector struct {
	metric   string
	matchers []matcher
}

// Series selects every series of a metric.
func Series(metric string) Selector { return Selector{metric: metric} }

func (s Selector) with(m matcher) Selector {
	s.matchers = append(append([]matcher(nil), s.matchers...), m)
	return s
}

// Eq keeps series whose label equals value.
func (s Selector) Eq(label, value string) Selector { return s.with(matcher{label, "=", value}) }

// In keeps series whose label is one of values.
func (s Selector) In(label string, values ...string) Selector {
	if len(values) == 1 {
		return s.Eq(label, values[0])
	}
	return s.with(matcher{label, "=~", alternation(values)})
}

// NotIn drops series whose label is one of values.
func (s Selector) NotIn(label string, values ...string) Selector {
	return s.with(matcher{label, "!~", alternation(values)})
}

// Matches keeps series whose label matches a regular expression, such as a
// Grafana variable.
func (s Selector) Matches(label, regex string) Selector {
	return s.with(matcher{label, "=~", regex})
}

// NotMatches drops series whose label matches a regular expression.
func (s Selector) NotMatches(label, regex string) Selector {
	return s.with(matcher{label, "!~", regex})
}

// In restricts the selector to a scope.
func (s Selector) in(sc Scope) Selector {
	for _, m := range sc.matchers {
		s = s.with(m)
	}
	return s
}

func (s Selector) String() string {
	if len(s.matchers) == 0 {
		return s.metric
	}
	parts := make([]string, len(s.matchers))
	for i, m := range s.matchers {
		parts[i] = m.String()
	}
	return s.metric + "{" + strings.Join(parts, ", ") + "}"
}

// alternation is a regular expression that matches exactly the given values.
func alternation(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = regexp.QuoteMeta(v)
	}
	return strings.Join(quoted, "|")
}

// Scope restricts every selector of an expression, e.g. to the models picked
// in a dashboard variable. The zero Scope selects everything.
type Scope struct {
	matchers []matcher
}

// AllModels is the scope of alert rules: every model.
func AllModels() Scope { return Scope{} }

// ModelVariable scopes to the models of a multi-value Grafana variable
// ($model); its "All" value must be a regular expression such as .+.
func ModelVariable(name string) Scope {
	return Scope{matchers: []matcher{{openaimetrics.LabelModel, "=~", "$" + name}}}
}
