package validate_test

import (
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/validate"
)

// Panels of the Logs & Traces row: the Loki logs panel and a Tempo table.
const (
	logsPanel  = 71.0
	tracePanel = 72.0
)

// setTarget sets a field of a panel's first target.
func setTarget(id float64, field string, value any) func(map[string]any) {
	return func(doc map[string]any) {
		panel(doc, id)["targets"].([]any)[0].(map[string]any)[field] = value
	}
}

// setDatasource points a panel and its first target at a datasource.
func setDatasource(id float64, typ, uid string) func(map[string]any) {
	return func(doc map[string]any) {
		ref := map[string]any{"type": typ, "uid": uid}
		panel(doc, id)["datasource"] = ref
		panel(doc, id)["targets"].([]any)[0].(map[string]any)["datasource"] = ref
	}
}

func TestLogQLAndTraceQLProblems(t *testing.T) {
	const (
		backend = `{service_name="scanium-backend"}`
		calls   = `{resource.service.name="scanium-backend" && span.gen_ai.provider.name="openai"`
	)
	tests := []struct {
		name   string
		change func(doc map[string]any)
		want   string
	}{
		// LogQL.
		{"unknown stream label", setTarget(logsPanel, "expr", `{service="scanium-backend"} | severity_text="ERROR"`),
			`"service" is not a stream label of the backend's logs in Loki`},
		{"unknown structured metadata", setTarget(logsPanel, "expr", backend+` | level="ERROR"`),
			`"level" is not a label or structured metadata of the backend's logs`},
		{"misspelled service name", setTarget(logsPanel, "expr", `{service_name="scanium_backend"}`),
			`uses "scanium_backend", not a value the backend emits for service_name`},
		{"severity the backend never logs", setTarget(logsPanel, "expr", backend+` | severity_text=~"ERROR|WARNING"`),
			`uses "WARNING", not a value the backend emits for severity_text`},
		{"unknown field in line_format", setTarget(logsPanel, "expr", backend+` | line_format "{{.status}} {{.route}}"`),
			`"route" is not a label or structured metadata`},
		{"error type the backend never logs", setTarget(logsPanel, "expr", backend+` | error_type="TIMEOUT"`),
			`uses "TIMEOUT", not a value the backend emits for error_type`},
		{"parser stage", setTarget(logsPanel, "expr", backend+` | json | status >= 500`), `stage "json"`},
		{"unbalanced brace in LogQL", setTarget(logsPanel, "expr", `{service_name="scanium-backend" | severity_text="ERROR"`),
			`"{" at 0 is never closed`},
		{"unterminated string in LogQL", setTarget(logsPanel, "expr", backend+` |= "timeout`), "is never closed"},
		{"not a log query", setTarget(logsPanel, "expr", `rate(`+backend+`[5m])`), "starts with a stream selector"},
		{"LogQL on the Tempo datasource uid", setDatasource(logsPanel, "loki", "tempo"), `a LogQL query on datasource uid "tempo": use "loki"`},
		{"LogQL on Mimir", setDatasource(logsPanel, "prometheus", "${datasource}"), "does not parse"},
		// TraceQL.
		{"misspelled span attribute", setTarget(tracePanel, "query", calls+` && span.gen_ai.provider="openai"}`),
			`"gen_ai.provider" is not an attribute of the backend's OpenAI spans`},
		{"unknown resource attribute", setTarget(tracePanel, "query", `{resource.service_name="scanium-backend"}`),
			`"service_name" is not a resource attribute of the backend's spans`},
		{"unscoped name", setTarget(tracePanel, "query", `{gen_ai.request.model="gpt-4o-mini"}`),
			`"gen_ai.request.model" is neither a TraceQL intrinsic`},
		{"value the backend never sets", setTarget(tracePanel, "query", calls+` && span.error.type="TIMEOUT"}`),
			`uses "TIMEOUT", not a value the backend emits for span.error.type`},
		{"unknown status", setTarget(tracePanel, "query", calls+` && status=failed}`), `"failed" is not a value of status`},
		{"unbalanced brace in TraceQL", setTarget(tracePanel, "query", calls+` && status=error} | select(span.error.type`),
			"is never closed"},
		{"closing brace without opening", setTarget(tracePanel, "query", calls+`}}`), `'}' at 79 closes nothing`},
		{"TraceQL on the Loki datasource uid", setDatasource(tracePanel, "tempo", "loki"), `a TraceQL query on datasource uid "loki": use "tempo"`},
		{"TraceQL in expr", setTarget(tracePanel, "expr", calls+`}`), "holds its TraceQL in query, not expr"},
		{"unknown datasource type", setDatasource(tracePanel, "jaeger", "jaeger"), `datasource type "jaeger"`},
		{"target and panel on different datasources", setTarget(tracePanel, "datasource", map[string]any{"type": "loki", "uid": "loki"}),
			"differs from its panel's tempo/tempo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := rendered(t)
			edit(t, set, dashboardFile, tt.change)
			err := validate.Artifacts(set)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error:\n%v\nwant one with: %s", err, tt.want)
			}
		})
	}
}

func TestLogQLAndTraceQLThatPass(t *testing.T) {
	const backend = `{service_name="scanium-backend"}`
	logQL := []string{
		backend,
		backend + ` | severity_text="ERROR"`,
		backend + ` |= "OpenAI" != "health" | severity_text=~"ERROR|WARN" and (status >= 500 or error_code="RATE_LIMITED")`,
		backend + ` | trace_id="0af7651916cd43dd8448eb211c80319c" | keep request_id, status`,
		backend + ` | severity_text="WARN" | error_type=~"RATE_LIMITED|UNAUTHORIZED"`,
		backend + ` | line_format "{{.request_id}} {{ .status }} {{__line__}}"`,
	}
	traceQL := []string{
		`{resource.service.name="scanium-backend"}`,
		`{span.gen_ai.provider.name="openai" && duration > 2.5s && kind=client} | select(span.openai.request.id)`,
		`{.error.type=~"RATE_LIMITED|PROVIDER_UNAVAILABLE" || status=error} | count() > 2`,
		`{name="chat gpt-4o-mini" && span.http.response.status_code >= 500 && span.gen_ai.request.model=~"$model"}`,
	}
	for _, q := range logQL {
		set := rendered(t)
		edit(t, set, dashboardFile, setTarget(logsPanel, "expr", q))
		if err := validate.Artifacts(set); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	for _, q := range traceQL {
		set := rendered(t)
		edit(t, set, dashboardFile, setTarget(tracePanel, "query", q))
		if err := validate.Artifacts(set); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
}
