// Package queries lists every PromQL expression of the generated artifacts,
// ready to run as an instant query against a live Prometheus-compatible
// backend: each dashboard panel target on a Prometheus datasource (not the
// Loki and Tempo ones), each dashboard variable query and each alert rule
// query, with where it comes from and whether it must return data once the
// backend has served traffic.
//
// Grafana macros and variables are substituted so that the expression runs as
// an instant query outside Grafana:
//
//	$__rate_interval, $__interval        5m, 1m
//	$__range, $__range_s, $__range_ms    1h, 3600, 3600000
//	$__interval_ms                       60000
//	$model, ${model}, [[model]]           .+ (any dashboard variable: every value)
//
// $__rate_interval becomes 5m rather than Grafana's minimum of 1m so that
// traffic of the last few minutes, not only of the last one, counts.
//
// A variable query label_values(metric{matchers}, label) becomes the series
// selector metric{matchers}, which returns data when the variable has values.
//
// A query that reads the billing exporter's series (Billing) is not expected
// to return data: the exporter is optional.
package queries

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/alerts"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/artifacts"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/dashboards"
	"github.com/scanium/openai-monitoring/internal/bundle"
)

// Query is one PromQL expression of an artifact.
type Query struct {
	Source Source
	// Expr is the expression with Grafana macros and variables substituted,
	// to run as an instant query.
	Expr string
	// Original is the expression as the artifact holds it.
	Original string
	// ExpectData is true when the query must return at least one sample once
	// the backend has served traffic, within the last few minutes, that
	// includes successes, every error type (which the API answers with 4xx
	// and 5xx) and rate-limit headers, for a model the price table knows. It
	// is false for queries that return something only when there is a
	// problem, such as traffic of an unpriced model, and for the queries
	// that need the billing exporter (Billing).
	ExpectData bool
	// StreamsOnly is true when every series the query reads is one only
	// streamed calls record (openaimetrics.TimeToFirstTokenSeconds): it returns
	// data only once the traffic includes streamed calls.
	StreamsOnly bool
	// Billing is true when the query reads a series of the billing exporter
	// (openaimetrics.RecorderBilling), which is optional: the query returns
	// data only while the exporter runs.
	Billing bool
}

// Kind is what holds a query.
type Kind string

const (
	Panel    Kind = "panel"
	Variable Kind = "variable"
	Rule     Kind = "rule"
)

func (k Kind) String() string { return string(k) }

// Source says where a query comes from.
type Source struct {
	// File is the artifact, relative to the generated directory, with
	// forward slashes: dashboards/scanium-openai-runtime.json.
	File string
	Kind Kind
	// Title is the panel's title, the variable's name or the rule's title.
	Title string
	// ID is the panel's id or the rule's uid; empty for a variable.
	ID string
	// RefID names the query within its panel or rule; empty for a variable.
	RefID string
}

func (s Source) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s %q", s.File, s.Kind, s.Title)
	if s.ID != "" {
		fmt.Fprintf(&b, " (%s)", s.ID)
	}
	if s.RefID != "" {
		fmt.Fprintf(&b, " query %s", s.RefID)
	}
	return b.String()
}

// Load reads the artifacts of a generated directory and returns their
// queries, file by file in lexical order, each file's in document order.
func Load(generatedDir string) ([]Query, error) {
	files, err := artifacts.Read(generatedDir)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no artifacts in %s: run make generate", generatedDir)
	}
	return FromFiles(files)
}

// FromFiles returns the queries of artifacts given as contents keyed by path
// relative to the generated directory. A panel target is expected to return
// data unless its dashboard's registry entry (dashboards.All) lists the
// panel among its quiet panels.
func FromFiles(files map[string][]byte) ([]Query, error) {
	return FromFilesWith(files, dashboards.All())
}

// FromFilesWith is FromFiles with the quiet panels of a registry.
func FromFilesWith(files map[string][]byte, registry dashboards.Registry) ([]Query, error) {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	var out []Query
	for _, p := range paths {
		var (
			qs  []Query
			err error
		)
		switch bundle.KindOf(p) {
		case bundle.DashboardFile:
			qs, err = dashboardQueries(p, files[p], registry)
		case bundle.RuleGroupFile:
			qs, err = ruleQueries(p, files[p])
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		out = append(out, qs...)
	}
	return out, nil
}

func dashboardQueries(file string, data []byte, registry dashboards.Registry) ([]Query, error) {
	d, err := bundle.DecodeDashboard(data)
	if err != nil {
		return nil, err
	}
	var out []Query
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		text, err := v.QueryText()
		if err != nil {
			return nil, err
		}
		expr, err := variableExpr(text)
		if err != nil {
			return nil, fmt.Errorf("variable %s: %w", v.Name, err)
		}
		out = append(out, Query{
			Source:     Source{File: file, Kind: Variable, Title: v.Name},
			Expr:       Substitute(expr),
			Original:   text,
			ExpectData: true,
		})
	}
	var walk func(panels []bundle.Panel)
	walk = func(panels []bundle.Panel) {
		for _, p := range panels {
			walk(p.Panels)
			id := ""
			if p.ID != nil {
				id = strconv.Itoa(*p.ID)
			}
			for _, t := range p.Targets {
				// Loki's LogQL is in expr too: only Prometheus targets
				// hold PromQL.
				if t.Expr == "" || !isPrometheus(p.TargetDatasource(t)) {
					continue
				}
				out = append(out, newQuery(
					Source{File: file, Kind: Panel, Title: p.Title, ID: id, RefID: t.RefID},
					t.Expr, p.ID != nil && registry.IsQuiet(d.UID, *p.ID)))
			}
		}
	}
	walk(d.Panels)
	return out, nil
}

// newQuery is the query of a panel target or a rule; quiet queries return
// data only when there is a problem.
func newQuery(src Source, original string, quiet bool) Query {
	expr := Substitute(original)
	billing := readsBilling(expr)
	return Query{Source: src, Expr: expr, Original: original, ExpectData: !quiet && !billing, Billing: billing,
		StreamsOnly: readsStreamsOnly(expr)}
}

// readsStreamsOnly tells whether every series an expression selects is one
// of the time-to-first-token histogram, which only streamed calls record.
func readsStreamsOnly(expr string) bool {
	parsed, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		return false
	}
	selectors, streamed := 0, 0
	parser.Inspect(parsed, func(node parser.Node, _ []parser.Node) error {
		if vs, ok := node.(*parser.VectorSelector); ok {
			selectors++
			if s, ok := m.LookupSeries(vs.Name); ok && s.Instrument.Name == m.TimeToFirstTokenSeconds {
				streamed++
			}
		}
		return nil
	})
	return selectors > 0 && streamed == selectors
}

// readsBilling tells whether an expression selects a series the billing
// exporter records. An expression that does not parse reads nothing (the
// artifacts' validation reports it).
func readsBilling(expr string) bool {
	parsed, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		return false
	}
	billing := false
	parser.Inspect(parsed, func(node parser.Node, _ []parser.Node) error {
		if vs, ok := node.(*parser.VectorSelector); ok {
			if s, ok := m.LookupSeries(vs.Name); ok && s.Instrument.Recorder == m.RecorderBilling {
				billing = true
			}
		}
		return nil
	})
	return billing
}

// isPrometheus tells whether a datasource reference is a Prometheus one; no
// reference is Grafana's default, Mimir.
func isPrometheus(ds *bundle.DatasourceRef) bool {
	if ds == nil || ds.Type == "" {
		return ds == nil || ds.UID == "" || ds.UID == bundle.MimirUID
	}
	return ds.Type == bundle.PrometheusType
}

func ruleQueries(file string, data []byte) ([]Query, error) {
	g, err := bundle.DecodeRuleGroup(data)
	if err != nil {
		return nil, err
	}
	quiet := map[string]bool{}
	for _, uid := range alerts.QuietRules() {
		quiet[uid] = true
	}
	var out []Query
	for _, r := range g.Rules {
		for _, q := range r.Data {
			if q.DatasourceUID == bundle.ExpressionUID || q.Model.Expr == "" {
				continue
			}
			out = append(out, newQuery(
				Source{File: file, Kind: Rule, Title: r.Title, ID: r.UID, RefID: q.RefID},
				q.Model.Expr, quiet[r.UID]))
		}
	}
	return out, nil
}

// labelValuesCall matches label_values(selector, label).
var labelValuesCall = regexp.MustCompile(`^\s*label_values\(\s*(.+)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$`)

// queryResultCall matches query_result(expr).
var queryResultCall = regexp.MustCompile(`^\s*query_result\(\s*(.+)\s*\)\s*$`)

// variableExpr turns a Prometheus variable query into PromQL.
func variableExpr(query string) (string, error) {
	if m := labelValuesCall.FindStringSubmatch(query); m != nil {
		return strings.TrimSpace(m[1]), nil
	}
	if m := queryResultCall.FindStringSubmatch(query); m != nil {
		return strings.TrimSpace(m[1]), nil
	}
	return "", fmt.Errorf("query %q is neither label_values(selector, label) nor query_result(expr)", query)
}

// VariableLabel returns the label a label_values(selector, label) variable
// query lists, and false for other queries.
func VariableLabel(query string) (string, bool) {
	m := labelValuesCall.FindStringSubmatch(query)
	if m == nil {
		return "", false
	}
	return m[2], true
}
