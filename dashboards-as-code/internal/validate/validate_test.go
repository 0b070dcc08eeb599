package validate_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/artifacts"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/validate"
)

const (
	dashboardFile = "dashboards/scanium-openai-runtime.json"
	errorsFile    = "alerting/openai-errors.json"
)

func TestCommittedArtifactsAreValid(t *testing.T) {
	set, err := artifacts.Read(filepath.Join("..", "..", "generated"))
	if err != nil {
		t.Fatal(err)
	}
	if len(set) == 0 {
		t.Fatal("no artifacts: run make generate")
	}
	if err := validate.Artifacts(set); err != nil {
		t.Fatal(err)
	}
}

func testConfig(t *testing.T) config.Config {
	t.Helper()
	cfg, err := config.Load(filepath.Join("..", "..", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Notifications = &config.Notifications{
		ContactPoints: []config.ContactPoint{{UID: "oncall", Name: "On-call", Type: "email", Settings: map[string]any{"addresses": "oncall@example.com"}}},
		Policy: &config.Route{Receiver: "On-call", GroupBy: []string{"alertname"}, RepeatInterval: 4 * time.Hour,
			Routes: []config.Route{{Receiver: "On-call", Matchers: [][3]string{{"severity", "=", "critical"}}}}},
	}
	return cfg
}

func rendered(t *testing.T) artifacts.Set {
	t.Helper()
	set, err := artifacts.Render(testConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestRenderedArtifactsWithNotificationsAreValid(t *testing.T) {
	if err := validate.Artifacts(rendered(t)); err != nil {
		t.Fatal(err)
	}
}

// edit decodes an artifact, lets change edit it and encodes it back.
func edit(t *testing.T, set artifacts.Set, path string, change func(doc map[string]any)) {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(set[path], &doc); err != nil {
		t.Fatal(err)
	}
	change(doc)
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	set[path] = data
}

// panel returns the dashboard panel with an id.
func panel(doc map[string]any, id float64) map[string]any {
	for _, p := range doc["panels"].([]any) {
		if p := p.(map[string]any); p["id"] == id {
			return p
		}
	}
	panic("no panel")
}

func firstRule(doc map[string]any) map[string]any {
	return doc["rules"].([]any)[0].(map[string]any)
}

func promQuery(doc map[string]any) map[string]any {
	return firstRule(doc)["data"].([]any)[0].(map[string]any)
}

func setPanelExpr(expr string) func(map[string]any) {
	return func(doc map[string]any) {
		panel(doc, 11)["targets"].([]any)[0].(map[string]any)["expr"] = expr
	}
}

func TestProblems(t *testing.T) {
	tests := []struct {
		name   string
		path   string
		change func(doc map[string]any)
		want   string
	}{
		{"unknown metric", dashboardFile, setPanelExpr(`sum(rate(openai_requests[5m]))`),
			`metric "openai_requests" is not declared by the contract`},
		{"unknown label", dashboardFile, setPanelExpr(`sum(rate(` + m.RequestsTotal + `{route="/chat"}[5m]))`),
			`has no label "route" in the contract`},
		{"value outside a closed set", dashboardFile, setPanelExpr(`sum(rate(` + m.RequestsTotal + `{status="failure"}[5m]))`),
			`uses "failure", not a value of status`},
		{"regex value outside a closed set", dashboardFile, setPanelExpr(`sum(rate(` + m.TokensTotal + `{token_type=~"input|cached"}[5m]))`),
			`uses "cached", not a value of token_type`},
		{"grouping by a label the series lack", dashboardFile, setPanelExpr(`sum by (token_type) (rate(` + m.RequestsTotal + `[5m]))`),
			`groups by "token_type"`},
		{"matching on a label neither side has", dashboardFile, setPanelExpr(m.RequestsTotal + ` / on (route) ` + m.TokensTotal),
			`matches on "route"`},
		{"unparseable", dashboardFile, setPanelExpr(`sum(rate(` + m.RequestsTotal + `[5m])`), "does not parse"},
		{"unknown macro", dashboardFile, setPanelExpr(`sum(rate(` + m.RequestsTotal + `[$__unknown]))`), "does not parse"},
		{"duplicate panel id", dashboardFile, func(d map[string]any) { panel(d, 12)["id"] = 11.0 }, "id 11 is used by another panel"},
		{"panel without datasource", dashboardFile, func(d map[string]any) { delete(panel(d, 12), "datasource") }, "has no datasource"},
		{"overlapping panels", dashboardFile, func(d map[string]any) { panel(d, 12)["gridPos"].(map[string]any)["x"] = 4.0 },
			`"Request rate by model and status" and "Errors by type" overlap`},
		{"panel off the grid", dashboardFile, func(d map[string]any) { panel(d, 13)["gridPos"].(map[string]any)["w"] = 12.0 }, "leaves the 24-column grid"},
		{"dashboard id", dashboardFile, func(d map[string]any) { d["id"] = 7.0 }, "has an id"},
		{"condition names no query", errorsFile, func(d map[string]any) { firstRule(d)["condition"] = "D" }, `condition "D" names none of its queries`},
		{"relative time range backwards", errorsFile, func(d map[string]any) {
			promQuery(d)["relativeTimeRange"] = map[string]any{"from": 0.0, "to": 600.0}
		}, "relativeTimeRange must have from > to"},
		{"interval not a multiple of 10", errorsFile, func(d map[string]any) { d["interval"] = 45.0 }, "interval 45: must be a positive multiple of 10"},
		{"unknown datasource", errorsFile, func(d map[string]any) { promQuery(d)["datasourceUid"] = "prometheus" }, `datasourceUid "prometheus"`},
		{"range query", errorsFile, func(d map[string]any) { promQuery(d)["model"].(map[string]any)["instant"] = false }, "must be an instant query"},
		{"rule PromQL checked too", errorsFile, func(d map[string]any) {
			promQuery(d)["model"].(map[string]any)["expr"] = `sum(rate(openai_errors_total[5m]))`
		}, `metric "openai_errors_total" is not declared`},
		{"uid too long", errorsFile, func(d map[string]any) { firstRule(d)["uid"] = strings.Repeat("x", 41) }, "must be 1 to 40 letters"},
		{"title not CamelCase", errorsFile, func(d map[string]any) { firstRule(d)["title"] = "High error rate" }, "CamelCase with the OpenAI prefix"},
		{"bad severity", errorsFile, func(d map[string]any) { firstRule(d)["labels"] = map[string]any{"severity": "page"} }, `severity "page"`},
		{"templated summary", errorsFile, func(d map[string]any) {
			firstRule(d)["annotations"].(map[string]any)["summary"] = "{{ $labels.model }} fails"
		}, "summary must be a fixed sentence"},
		{"runbook without section", errorsFile, func(d map[string]any) {
			firstRule(d)["annotations"].(map[string]any)["runbook_url"] = "https://example.com/runbooks.md"
		}, "must link to a section"},
		{"link to a missing panel", errorsFile, func(d map[string]any) {
			firstRule(d)["annotations"].(map[string]any)["__panelId__"] = "99"
		}, "__panelId__ 99 names no panel"},
		{"link to a row", errorsFile, func(d map[string]any) {
			firstRule(d)["annotations"].(map[string]any)["__panelId__"] = "10"
		}, "__panelId__ 10 is a row"},
		{"link to a missing dashboard", errorsFile, func(d map[string]any) {
			firstRule(d)["annotations"].(map[string]any)["__dashboardUid__"] = "nope"
		}, `__dashboardUid__ "nope" names no generated dashboard`},
		{"wrong folder", errorsFile, func(d map[string]any) { d["folderUid"] = "general" }, `folderUid "general": rule groups and their rules go into the folder "scanium"`},
		{"bad no-data state", errorsFile, func(d map[string]any) { firstRule(d)["noDataState"] = "Ok" }, `noDataState "Ok"`},
		{"threshold without params", errorsFile, func(d map[string]any) {
			c := firstRule(d)["data"].([]any)[2].(map[string]any)["model"].(map[string]any)["conditions"].([]any)[0].(map[string]any)
			c["evaluator"].(map[string]any)["params"] = []any{}
		}, "threshold gt takes 1 params, has 0"},
		{"policy to an unknown receiver", "alerting/notification-policy.json", func(d map[string]any) { d["receiver"] = "Nobody" },
			`receiver "Nobody" is not a contact point`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := rendered(t)
			edit(t, set, tt.path, tt.change)
			err := validate.Artifacts(set)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error:\n%v\nwant one with: %s", err, tt.want)
			}
		})
	}
}

func TestDuplicateRuleAcrossGroups(t *testing.T) {
	set := rendered(t)
	set["alerting/openai-errors-copy.json"] = []byte(strings.ReplaceAll(string(set[errorsFile]), `"openai-errors"`, `"openai-errors-copy"`))
	err := validate.Artifacts(set)
	for _, want := range []string{`uid "openai-high-error-rate" is used by`, "title is used by"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error:\n%v\nwant one with: %s", err, want)
		}
	}
}

func TestUnknownArtifactPath(t *testing.T) {
	set := rendered(t)
	set["notes.json"] = []byte("{}")
	if err := validate.Artifacts(set); err == nil || !strings.Contains(err.Error(), "notes.json: is not an artifact") {
		t.Errorf("error %v", err)
	}
}

func TestHTTPServerQueries(t *testing.T) {
	// The API's own http.server.request.duration is in the contract: its
	// series, labels and closed label values validate like the OpenAI ones.
	bucket := m.Bucket(m.HTTPServerRequestDurationSeconds)
	chat := m.LabelHTTPRoute + `="` + m.HTTPRouteChat + `", ` + m.LabelHTTPRequestMethod + `=~"POST|` + m.HTTPMethodOther + `"`
	for _, expr := range []string{
		`histogram_quantile(0.95, sum by (le, ` + m.LabelHTTPRoute + `) (rate(` + bucket + `{` + chat + `}[5m])))`,
		`sum by (` + m.LabelHTTPResponseStatusCode + `) (rate(` + m.Count(m.HTTPServerRequestDurationSeconds) + `{` +
			m.LabelHTTPResponseStatusCode + `=~"5.."}[5m]))`,
	} {
		set := rendered(t)
		edit(t, set, dashboardFile, setPanelExpr(expr))
		if err := validate.Artifacts(set); err != nil {
			t.Errorf("%s: %v", expr, err)
		}
	}
	for expr, want := range map[string]string{
		`sum(rate(` + bucket + `{` + m.LabelHTTPRoute + `="/api/assistant/chat/x"}[5m]))`: `not a value of ` + m.LabelHTTPRoute,
		`sum(rate(` + bucket + `{` + m.LabelHTTPRequestMethod + `="BREW"}[5m]))`:          `not a value of ` + m.LabelHTTPRequestMethod,
		`sum(rate(` + bucket + `{` + m.LabelModel + `="gpt-4o-mini"}[5m]))`:               `has no label "model"`,
		`sum(rate(` + m.HTTPServerRequestDurationSeconds + `[5m]))`:                       `is not declared by the contract`,
	} {
		set := rendered(t)
		edit(t, set, dashboardFile, setPanelExpr(expr))
		if err := validate.Artifacts(set); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one with: %s", expr, err, want)
		}
	}
}

// A label that label_replace or label_join writes is a label of the series
// above it: an aggregation may group by it. Elsewhere it is still unknown.
func TestLabelsWrittenByLabelReplace(t *testing.T) {
	tokens := `rate(` + m.TokensTotal + `[5m])`
	for expr, want := range map[string]string{
		`sum by (base_model) (label_replace(` + tokens + `, "base_model", "$1", "` + m.LabelModel + `", "(.+)"))`:     "",
		`sum by (both) (label_join(` + tokens + `, "both", "/", "` + m.LabelModel + `", "` + m.LabelTokenType + `"))`: "",
		`sum by (base_model) (` + tokens + `)`: `groups by "base_model"`,
	} {
		set := rendered(t)
		edit(t, set, dashboardFile, setPanelExpr(expr))
		err := validate.Artifacts(set)
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", expr, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%s: error %v, want one with: %s", expr, err, want)
		}
	}
}
