package plan

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/grafana/grafana-openapi-client-go/models"

	"github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/provisioner/config"
	"github.com/scanium/openai-monitoring/provisioner/internal/artifact"
	"github.com/scanium/openai-monitoring/provisioner/internal/desired"
	"github.com/scanium/openai-monitoring/provisioner/internal/grafana"
	"github.com/scanium/openai-monitoring/provisioner/internal/grafanafake"
)

const testToken = "glsa_plan_test_token"

// synthetic builds a desired state of n dashboards and g rule groups of
// rulesPerGroup rules each.
func synthetic(tb testing.TB, n, g, rulesPerGroup int) *desired.State {
	tb.Helper()
	b := &artifact.Bundle{}
	for i := range n {
		uid := fmt.Sprintf("bench-%03d", i)
		var panels []any
		for p := 1; p <= 6; p++ {
			panels = append(panels, map[string]any{
				"id": json.Number(fmt.Sprint(p)), "type": "timeseries", "title": fmt.Sprintf("Panel %d", p),
				"datasource": map[string]any{"type": "prometheus", "uid": "mimir"},
				"gridPos":    map[string]any{"h": json.Number("8"), "w": json.Number("12"), "x": json.Number("0"), "y": json.Number(fmt.Sprint(8 * p))},
				"targets": []any{map[string]any{
					"refId": "A", "expr": fmt.Sprintf(`sum(rate(%s{panel="%d"}[5m]))`, openaimetrics.RequestsTotal, p),
					"datasource": map[string]any{"type": "prometheus", "uid": "mimir"},
				}},
			})
		}
		b.Dashboards = append(b.Dashboards, artifact.Dashboard{UID: uid, Title: "Bench " + uid, Model: map[string]any{
			"uid": uid, "title": "Bench " + uid, "schemaVersion": json.Number("39"), "tags": []any{"bench"},
			"time": map[string]any{"from": "now-6h", "to": "now"}, "panels": panels,
		}})
	}
	for i := range g {
		title := fmt.Sprintf("group-%02d", i)
		group := &models.AlertRuleGroup{Title: title, FolderUID: "scanium", Interval: 60}
		for r := range rulesPerGroup {
			group.Rules = append(group.Rules, benchRule(title, fmt.Sprintf("bench-%02d-%02d", i, r)))
		}
		b.RuleGroups = append(b.RuleGroups, artifact.RuleGroup{Group: group})
	}
	state, err := desired.Build(config.Config{MimirURL: "http://mimir:9009/prometheus", LokiURL: "http://loki:3100", TempoURL: "http://tempo:3200"}, b)
	if err != nil {
		tb.Fatal(err)
	}
	return state
}

func benchRule(group, uid string) *models.ProvisionedAlertRule {
	s := func(v string) *string { return &v }
	forDur := strfmt.Duration(5 * time.Minute)
	return &models.ProvisionedAlertRule{
		UID: uid, Title: s("Rule " + uid), RuleGroup: s(group), FolderUID: s("scanium"), Condition: s("C"),
		NoDataState: s("OK"), ExecErrState: s("Error"), For: &forDur,
		Labels:      map[string]string{"severity": "warning"},
		Annotations: map[string]string{"summary": "Bench rule " + uid},
		Data: []*models.AlertQuery{
			{RefID: "A", DatasourceUID: "mimir", RelativeTimeRange: &models.RelativeTimeRange{From: 600},
				Model: map[string]any{"refId": "A", "expr": "sum(rate(" + openaimetrics.RequestsTotal + "[5m]))", "instant": true}},
			{RefID: "B", DatasourceUID: "__expr__", Model: map[string]any{"refId": "B", "type": "reduce", "expression": "A", "reducer": "last"}},
			{RefID: "C", DatasourceUID: "__expr__", Model: map[string]any{"refId": "C", "type": "threshold", "expression": "B",
				"conditions": []any{map[string]any{"evaluator": map[string]any{"type": "gt", "params": []any{json.Number("1")}}}}}},
		},
	}
}

func newFake(tb testing.TB, latency time.Duration) (*grafanafake.Server, *grafana.Client) {
	tb.Helper()
	fake := grafanafake.Start(grafanafake.Options{Token: testToken, Latency: latency})
	tb.Cleanup(fake.Close)
	c, err := grafana.New(config.Config{GrafanaURL: fake.URL(), Token: testToken}, grafana.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.Close)
	return fake, c
}

// planAndApply plans want and applies it, failing on any error.
func planAndApply(tb testing.TB, c *grafana.Client, want *desired.State, opts Options) (*Plan, Summary) {
	tb.Helper()
	p, err := Build(context.Background(), c, want, opts, nil)
	if err != nil {
		tb.Fatal(err)
	}
	sum, err := Apply(context.Background(), p, opts, nil)
	if err != nil || !sum.OK() {
		tb.Fatalf("apply: %v (%s)", err, sum)
	}
	return p, sum
}
