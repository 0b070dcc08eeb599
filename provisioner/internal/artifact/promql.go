package artifact

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/promql/parser/posrange"

	"github.com/scanium/openai-monitoring/internal/bundle"
)

// Datasource kinds, as far as PromQL checks care.
const (
	dsPrometheus = bundle.PrometheusType
	dsMixed      = "mixed"
	dsOther      = "other"
	dsUnknown    = "unknown"
)

// promqlChecker parses the PromQL of the artifacts as Mimir reads it.
type promqlChecker struct {
	parser parser.Parser
}

func newPromQLChecker() promqlChecker {
	return promqlChecker{parser: parser.NewParser(parser.Options{})}
}

// check parses expr (with Grafana's references replaced by substitute)
// and reports a parse error at where, with its line and column in expr as
// written. offset is where expr starts in the text that where names (for
// the inner expression of label_values(...), say).
func (c promqlChecker) check(where, full string, offset int, expr string, vars map[string]variable, p problems) {
	s := substitute(expr, vars)
	_, err := c.parser.ParseExpr(s.text)
	if err == nil {
		return
	}
	var errs parser.ParseErrors
	if !errors.As(err, &errs) || len(errs) == 0 {
		p.add(where, "%v", err)
		return
	}
	first := errs[0]
	first.Query = full
	first.LineOffset = 0
	if start := int(first.PositionRange.Start); start >= 0 && start <= len(s.text) {
		first.PositionRange.Start = posrange.Pos(offset + s.original(start))
	}
	p.add(where, "%s", first.Error())
}

// checkDashboardPromQL parses the PromQL of every Prometheus target of
// every panel (those of rows included) and of every query variable on a
// Prometheus datasource.
func (c promqlChecker) checkDashboardPromQL(d Dashboard, p problems) {
	vars := dashboardVariables(d.Model)
	panels, _ := d.Model["panels"].([]any)
	c.checkPanels("panels", panels, vars, p)

	templating, _ := d.Model["templating"].(map[string]any)
	list, _ := templating["list"].([]any)
	for i, e := range list {
		v, _ := e.(map[string]any)
		if typ, _ := v["type"].(string); typ != "query" {
			continue
		}
		if k := datasourceKind(v["datasource"], vars); k != dsPrometheus && k != "" {
			continue
		}
		where := fmt.Sprintf("templating.list[%d].query", i)
		q := v["query"]
		if m, ok := q.(map[string]any); ok {
			where += ".query"
			q = m["query"]
		}
		if s, ok := q.(string); ok {
			c.checkVariableQuery(where, s, vars, p)
		}
	}
}

func (c promqlChecker) checkPanels(where string, panels []any, vars map[string]variable, p problems) {
	for i, e := range panels {
		panel, _ := e.(map[string]any)
		if panel == nil {
			continue
		}
		at := fmt.Sprintf("%s[%d]", where, i)
		panelKind := datasourceKind(panel["datasource"], vars)
		targets, _ := panel["targets"].([]any)
		for j, t := range targets {
			target, _ := t.(map[string]any)
			expr, ok := target["expr"]
			if !ok || target == nil {
				continue
			}
			kind := datasourceKind(target["datasource"], vars)
			if kind == "" {
				kind = panelKind
			}
			if kind == "" || kind == dsMixed {
				kind = dsPrometheus // the default datasource is Mimir
			}
			if kind != dsPrometheus {
				continue
			}
			tw := fmt.Sprintf("%s.targets[%d].expr", at, j)
			s, isString := expr.(string)
			if !isString {
				p.add(tw, "must be a string (a PromQL expression)")
				continue
			}
			if strings.TrimSpace(s) != "" {
				c.check(tw, s, 0, s, vars, p)
			}
		}
		if nested, ok := panel["panels"].([]any); ok {
			c.checkPanels(at+".panels", nested, vars, p)
		}
	}
}

// Queries of a Prometheus variable: Grafana's functions around PromQL.
var (
	labelValuesOf   = regexp.MustCompile(`^\s*label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)\s*$`)
	labelValuesOnly = regexp.MustCompile(`^\s*label_values\(\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)\s*$`)
	labelNames      = regexp.MustCompile(`^\s*label_names\((.*)\)\s*$`)
	metricsQuery    = regexp.MustCompile(`^\s*metrics\(.*\)\s*$`)
	queryResult     = regexp.MustCompile(`^\s*query_result\((.*)\)\s*$`)
)

// checkVariableQuery parses the PromQL inside a Prometheus variable's
// query: the selector of label_values(selector, label) and of
// label_names(selector), the expression of query_result(expr), or the
// whole query (a series selector). metrics(regex) and label_values(label)
// hold none.
func (c promqlChecker) checkVariableQuery(where, q string, vars map[string]variable, p problems) {
	for _, re := range []*regexp.Regexp{labelValuesOf, labelNames, queryResult} {
		if m := re.FindStringSubmatchIndex(q); m != nil {
			inner := q[m[2]:m[3]]
			if strings.TrimSpace(inner) != "" {
				c.check(where, q, m[2], inner, vars, p)
			}
			return
		}
	}
	if labelValuesOnly.MatchString(q) || metricsQuery.MatchString(q) || strings.TrimSpace(q) == "" {
		return
	}
	c.check(where, q, 0, q, vars, p)
}

// checkRulePromQL parses the PromQL of every query of a rule that is not
// an expression (nor a Loki or Tempo query). Alert rules take Grafana's
// macros but no dashboard variables.
func (c promqlChecker) checkRulePromQL(g RuleGroup, p problems) {
	for i, r := range g.Group.Rules {
		if r == nil {
			continue
		}
		rw := ruleWhere(i, r)
		for _, q := range r.Data {
			if q == nil || q.RefID == "" {
				continue
			}
			switch q.DatasourceUID {
			case bundle.ExpressionUID, bundle.LokiUID, bundle.TempoUID:
				continue
			}
			model, _ := q.Model.(map[string]any)
			expr, ok := model["expr"].(string)
			if !ok || strings.TrimSpace(expr) == "" {
				continue
			}
			c.check(fmt.Sprintf("%s.data[refId=%s].model.expr", rw, q.RefID), expr, 0, expr, nil, p)
		}
	}
}

// dashboardVariables lists the dashboard's variables by name.
func dashboardVariables(model map[string]any) map[string]variable {
	templating, _ := model["templating"].(map[string]any)
	list, _ := templating["list"].([]any)
	vars := map[string]variable{}
	for _, e := range list {
		v, _ := e.(map[string]any)
		name, _ := v["name"].(string)
		if name == "" {
			continue
		}
		typ, _ := v["type"].(string)
		vv := variable{name: name, typ: typ, current: currentValue(v)}
		if typ == "datasource" {
			vv.plugin, _ = v["query"].(string)
		}
		vars[name] = vv
	}
	return vars
}

// currentValue is a variable's current value when it is one concrete
// value (not All, not several).
func currentValue(v map[string]any) string {
	current, _ := v["current"].(map[string]any)
	value := current["value"]
	if list, ok := value.([]any); ok && len(list) == 1 {
		value = list[0]
	}
	var s string
	switch x := value.(type) {
	case string:
		s = x
	case json.Number:
		s = x.String()
	}
	if s == "" || strings.HasPrefix(s, "$__") {
		if q, ok := v["query"].(string); ok && (v["type"] == "textbox" || v["type"] == "constant") {
			return q
		}
		return ""
	}
	return s
}

// datasourceKind tells what kind of datasource a reference names: ""
// when there is no reference (the panel's, then the dashboard default,
// Mimir, apply).
func datasourceKind(ref any, vars map[string]variable) string {
	switch r := ref.(type) {
	case nil:
		return ""
	case string:
		return datasourceKindOf("", r, vars)
	case map[string]any:
		typ, _ := r["type"].(string)
		uid, _ := r["uid"].(string)
		if typ == "" && uid == "" {
			return ""
		}
		return datasourceKindOf(typ, uid, vars)
	}
	return dsUnknown
}

func datasourceKindOf(typ, uid string, vars map[string]variable) string {
	switch {
	case uid == "-- Mixed --":
		return dsMixed
	case typ == dsPrometheus:
		return dsPrometheus
	case typ != "":
		return dsOther
	case uid == bundle.MimirUID || uid == bundle.MimirName:
		return dsPrometheus
	case variableRef.MatchString(uid):
		// A datasource variable: its query is the plugin type.
		name := strings.Trim(uid, "${}[]")
		if i := strings.IndexAny(name, ":."); i >= 0 {
			name = name[:i]
		}
		switch v, ok := vars[name]; {
		case !ok || v.typ != "datasource":
			return dsUnknown
		case v.plugin == dsPrometheus:
			return dsPrometheus
		}
		return dsOther
	}
	return dsOther
}
