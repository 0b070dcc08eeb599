package cli

import "testing"

func TestBrokenPromQLWritesNothing(t *testing.T) {
	h := newHarness(t)
	h.edit(dashboardFile, func(v any) any {
		panel := v.(map[string]any)["panels"].([]any)[3].(map[string]any)
		panel["targets"].([]any)[0].(map[string]any)["expr"] = `sum(rate(sample_requests_total{model=~"$model"}[$__rate_interval])`
		return v
	})
	h.edit("alerting/openai.json", func(v any) any {
		rule := v.(map[string]any)["rules"].([]any)[1].(map[string]any)
		model := rule["data"].([]any)[0].(map[string]any)["model"].(map[string]any)
		model["expr"] = `histogram_quantile(0.95, sum by (le) (rate(sample_request_duration_seconds_bucket[5m]))) >`
		return v
	})
	problems := "2 problem(s) in the artifacts:\n" +
		"  dashboards/scanium-openai-runtime.json: panels[3].targets[0].expr: 1:67: parse error: unclosed left parenthesis\n" +
		"  alerting/openai.json: rules[uid=openai-high-latency].data[refId=A].model.expr: 1:91: parse error: unexpected end of input\n"
	for _, cmd := range []string{"validate", "plan", "apply"} {
		stdout, stderr := h.mustRun(ExitError, cmd)
		want := "error: " + problems
		if cmd != "validate" {
			want += "nothing was changed\n"
		}
		if stderr != want || stdout != "" {
			t.Errorf("%s: stdout:\n%s\nstderr:\n%s\nwant stderr:\n%s", cmd, stdout, stderr, want)
		}
	}
	if n := len(h.fake.Requests()); n != 0 {
		t.Errorf("Grafana got %d requests", n)
	}
}
