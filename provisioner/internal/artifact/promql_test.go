package artifact

import (
	"strings"
	"testing"
)

// target returns the first target of the dashboard's panel i.
func target(v any, panel int) map[string]any {
	p := obj(v)["panels"].([]any)[panel].(map[string]any)
	return p["targets"].([]any)[0].(map[string]any)
}

func TestValidateParsesPromQL(t *testing.T) {
	dir := copyFixtures(t)
	edit(t, dir, dashboardFile, func(v any) any {
		// A closing parenthesis missing at the end.
		e := target(v, 3)["expr"].(string)
		target(v, 3)["expr"] = strings.TrimSuffix(e, ")")
		// A collapsed row holds its panels: they are checked too.
		row := obj(v)["panels"].([]any)[0].(map[string]any)
		row["collapsed"] = true
		row["panels"] = []any{map[string]any{
			"id": 10, "type": "timeseries", "title": "nested",
			"datasource": map[string]any{"type": "prometheus", "uid": "mimir"},
			"targets": []any{
				map[string]any{"refId": "A", "expr": `sum by (model) (rate(sample_requests_total{model=~"$model"}[$__rate_interval]) by`},
			},
		}}
		// A variable's query, in the label_values function of Grafana.
		variable := obj(v)["templating"].(map[string]any)["list"].([]any)[0].(map[string]any)
		variable["query"].(map[string]any)["query"] = "label_values(sample_requests_total{model=, model)"
		return v
	})
	edit(t, dir, groupFile, func(v any) any {
		model := query(v, 0, 0)["model"].(map[string]any)
		model["expr"] = `sum(rate(sample_requests_total{status="error"}[5m])) /`
		return v
	})
	b, err := Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	assertProblems(t, Validate(b), []string{
		`dashboards/scanium-openai-runtime.json: panels[0].panels[0].targets[0].expr: 1:80: parse error: unexpected <by> in aggregation`,
		`dashboards/scanium-openai-runtime.json: panels[3].targets[0].expr: 1:126: parse error: unclosed left parenthesis`,
		`dashboards/scanium-openai-runtime.json: templating.list[0].query.query: 1:42: parse error: unexpected end of input inside braces`,
		`alerting/openai.json: rules[uid=openai-high-error-rate].data[refId=A].model.expr: 1:55: parse error: unexpected end of input`,
	})
}

func TestPromQLWithGrafanaVariablesParses(t *testing.T) {
	dir := copyFixtures(t)
	good := []string{
		`sum(rate(sample_requests_total{model=~"$model"}[$__rate_interval]))`,
		`sum(rate(sample_requests_total{model=~"${model}"}[$__interval]))`,
		`sum(rate(sample_requests_total{model=~"${model:regex}"}[${__rate_interval}]))`,
		`sum(rate(sample_requests_total{model=~"[[model]]"}[$__range]))`,
		`max_over_time(rate(sample_requests_total[$__rate_interval])[$__range:$__interval])`,
		`increase(sample_requests_total[$window] offset $window)`,
		`topk($top, sum by (model) (sample_requests_total)) > $threshold`,
		`rate(sample_requests_total[$step]) * $step_count`,
		`sample_requests_total / ($__range_s * 1000 / $__interval_ms)`,
		// $1 is no variable: it stays as it is, inside a string.
		`label_replace(sample_requests_total, "m", "$1", "model", "(.*)")`,
		"sum(sample_requests_total) # a comment with a $variable and a \" quote",
	}
	edit(t, dir, dashboardFile, func(v any) any {
		d := obj(v)
		vars := d["templating"].(map[string]any)["list"].([]any)
		d["templating"].(map[string]any)["list"] = append(vars,
			map[string]any{"name": "window", "type": "interval", "query": "5m,1h", "current": map[string]any{"value": "1h"}},
			map[string]any{"name": "top", "type": "custom", "query": "5,10", "current": map[string]any{"value": "5"}},
			map[string]any{"name": "threshold", "type": "textbox", "query": "0.5"},
			map[string]any{"name": "step", "type": "custom", "query": "1m,5m", "current": map[string]any{"value": []any{"1m", "5m"}}},
			map[string]any{"name": "step_count", "type": "custom", "query": "1,2", "current": map[string]any{"value": "$__all"}},
			map[string]any{"name": "job", "type": "query", "datasource": map[string]any{"type": "prometheus", "uid": "mimir"},
				"query": `query_result(count by (job) (up{model=~"$model"}))`},
			map[string]any{"name": "series", "type": "query", "datasource": map[string]any{"uid": "mimir"}, "query": `sample_requests_total{model=~"$model"}`},
			map[string]any{"name": "names", "type": "query", "query": "label_names()"},
			map[string]any{"name": "metric", "type": "query", "query": map[string]any{"query": "metrics(openai_.*)", "refId": "A"}},
			map[string]any{"name": "lbl", "type": "query", "query": "label_values(model)"},
			map[string]any{"name": "logs", "type": "query", "datasource": map[string]any{"type": "loki", "uid": "loki"}, "query": `label_values({job="x"} |= "y", level)`},
		)
		panel := obj(v)["panels"].([]any)[3].(map[string]any)
		var targets []any
		for i, e := range good {
			targets = append(targets, map[string]any{"refId": string(rune('A' + i)), "expr": e})
		}
		// Not PromQL: a Loki query in a mixed panel, and a target of the
		// panel's own datasource (by variable).
		targets = append(targets,
			map[string]any{"refId": "Y", "expr": `{job="x"} |= "error"`, "datasource": map[string]any{"type": "loki", "uid": "loki"}},
		)
		panel["targets"] = targets
		panel["datasource"] = map[string]any{"type": "datasource", "uid": "-- Mixed --"}
		// A Tempo panel's query is not parsed either.
		obj(v)["panels"] = append(obj(v)["panels"].([]any), map[string]any{
			"id": 20, "type": "table", "title": "traces",
			"datasource": map[string]any{"type": "tempo", "uid": "tempo"},
			"targets":    []any{map[string]any{"refId": "A", "queryType": "traceql", "query": `{ status = error }`, "expr": `{ status = error }`}},
		})
		return v
	})
	edit(t, dir, groupFile, func(v any) any {
		model := query(v, 0, 0)["model"].(map[string]any)
		model["expr"] = `sum(rate(sample_requests_total{status="error"}[$__rate_interval])) / sum(rate(sample_requests_total[${__interval}]))`
		return v
	})
	b, err := Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if err := Validate(b); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestRulesTakeNoDashboardVariables(t *testing.T) {
	dir := copyFixtures(t)
	edit(t, dir, groupFile, func(v any) any {
		model := query(v, 1, 0)["model"].(map[string]any)
		model["expr"] = `histogram_quantile(0.95, sum by (le) (rate(sample_request_duration_seconds_bucket[$window])))`
		return v
	})
	b, err := Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	assertProblems(t, Validate(b), []string{
		`alerting/openai.json: rules[uid=openai-high-latency].data[refId=A].model.expr: 1:83: parse error: unexpected character in duration expression: '$'`,
	})
}

func TestSubstitutePositions(t *testing.T) {
	vars := map[string]variable{"model": {name: "model", typ: "query"}}
	s := substitute(`rate(x{m=~"$model"}[$__rate_interval]) + y`, vars)
	if s.text != `rate(x{m=~".+"}[5m]) + y` {
		t.Errorf("text = %q", s.text)
	}
	orig := `rate(x{m=~"$model"}[$__rate_interval]) + y`
	for pos, want := range map[int]int{0: 0, 11: 11, 12: 11, 13: 17, 16: 20, 17: 20, 18: 36, 23: 41, 24: 42} {
		if got := s.original(pos); got != want {
			t.Errorf("original(%d) = %d, want %d (%q)", pos, got, want, orig[min(want, len(orig)):])
		}
	}
}
