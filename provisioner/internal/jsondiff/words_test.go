package jsondiff

import (
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// ruleJSON is an alert rule group as dashboards-as-code generates it,
// with the values a review changes put in.
func ruleJSON(threshold, forDur, severity, expr string) string {
	return `{"folderUid":"scanium","interval":60,"title":"openai-latency","rules":[{"uid":"openai-high-latency",
		"title":"OpenAIHighLatency","for":"` + forDur + `","labels":{"severity":"` + severity + `"},"condition":"C",
		"data":[{"refId":"A","datasourceUid":"mimir","model":{"refId":"A","expr":` + quote(expr) + `,"instant":true}},
		{"refId":"C","datasourceUid":"__expr__","model":{"refId":"C","type":"threshold","expression":"B",
		"conditions":[{"evaluator":{"params":[` + threshold + `],"type":"gt"}}]}}]}]}`
}

// longExpr is a PromQL expression of about 300 characters, as the
// runtime dashboard's cost panels have; window is in its middle.
func longExpr(window string) string {
	m := openaimetrics.LabelModel
	return `sum by (` + m + `) (rate(` + openaimetrics.RequestsTotal + `{` + openaimetrics.LabelStatus + `="` + openaimetrics.StatusError + `", ` + m + `=~"$model"}[` + window + `]))` +
		` / on (` + m + `) group_left() sum by (` + m + `) (rate(` + openaimetrics.RequestsTotal + `{` + m + `=~"$model"}[` + window + `]))` +
		` and on (` + m + `) (sum by (` + m + `) (rate(` + openaimetrics.RequestDurationSeconds + `_count{` + m + `=~"$model", ` + openaimetrics.LabelJob + `=~".+"}[1h])) > 0.01) * 100`
}

func changesOf(t *testing.T, current, desired string) []string {
	t.Helper()
	var out []string
	for _, c := range Diff(mustDecode(t, current), mustDecode(t, desired)) {
		out = append(out, c.String())
	}
	return out
}

func TestReviewOfARuleReadsAtAGlance(t *testing.T) {
	expr := longExpr("5m")
	if len(expr) < 280 {
		t.Fatalf("the expression is %d characters, want about 300", len(expr))
	}
	base := ruleJSON("5", "10m", "warning", expr)

	tests := []struct {
		name    string
		desired string
		want    string
	}{
		{
			name:    "threshold",
			desired: ruleJSON("7.5", "10m", "warning", expr),
			want:    `~ rules[uid=openai-high-latency].data[refId=C].model.conditions[0].evaluator.params[0]: 5 -> 7.5`,
		},
		{
			name:    "for",
			desired: ruleJSON("5", "15m", "warning", expr),
			want:    `~ rules[uid=openai-high-latency].for: "10m" -> "15m"`,
		},
		{
			name:    "severity label",
			desired: ruleJSON("5", "10m", "critical", expr),
			want:    `~ rules[uid=openai-high-latency].labels.severity: "warning" -> "critical"`,
		},
		{
			name:    "a long query changed in its middle",
			desired: ruleJSON("5", "10m", "warning", strings.Replace(expr, `group_left()`, `group_left(`+openaimetrics.LabelStatus+`)`, 1)),
			want: `~ rules[uid=openai-high-latency].data[refId=A].model.expr: "…\"$model\"}[5m])) / on (model) group_left({+status+}) sum by (model) (rate(` +
				openaimetrics.RequestsTotal + `…"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := changesOf(t, base, tt.desired)
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("changes:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestWordDiffOfALongQueryShowsEveryChange(t *testing.T) {
	from, to := longExpr("5m"), longExpr("10m")
	c := Change{Path: "panels[id=4].targets[refId=A].expr", Op: Changed, From: from, To: to}
	got := c.String()
	// Both windows changed, far apart: two marked changes with their context.
	if strings.Count(got, "[-5m-]{+10m+}") != 2 {
		t.Errorf("want both windows marked:\n%s", got)
	}
	if strings.Contains(got, "[1h]") {
		t.Errorf("the common end should be cut to its context:\n%s", got)
	}
	if !strings.HasPrefix(got, `~ panels[id=4].targets[refId=A].expr: "…`) || !strings.HasSuffix(got, `…"`) {
		t.Errorf("want the value cut around its changes, marked …:\n%s", got)
	}
	if len(got) >= len(from)+len(to) {
		t.Errorf("the word diff (%d) is no shorter than both values (%d):\n%s", len(got), len(from)+len(to), got)
	}
}

func TestReviewOfADashboard(t *testing.T) {
	panel := func(title, unit string) string {
		return `{"uid":"scanium-openai-runtime","panels":[{"id":2,"type":"stat","title":"` + title + `",
			"fieldConfig":{"defaults":{"unit":"` + unit + `","decimals":2}},
			"description":"OpenAI API requests per second, every attempt, successful or not, for the models selected above."}]}`
	}
	got := changesOf(t, panel("Requests/s", "reqps"), panel("Requests per second", "reqpm"))
	want := []string{
		`~ panels[id=2].fieldConfig.defaults.unit: "reqps" -> "reqpm"`,
		`~ panels[id=2].title: "Requests/s" -> "Requests per second"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("changes:\n got %q\nwant %q", got, want)
	}

	long := `OpenAI API requests per second, every attempt, successful or not, for the models selected above.`
	c := Change{Path: "panels[id=2].description", Op: Changed, From: long, To: strings.Replace(long, "every attempt", "each attempt", 1)}
	if got, want := c.String(), `~ panels[id=2].description: "OpenAI API requests per second, [-every-]{+each+} attempt, successful or not, for the models…"`; got != want {
		t.Errorf("description:\n got %s\nwant %s", got, want)
	}
}

func TestWordDiffCases(t *testing.T) {
	tests := []struct {
		name, from, to, want string
	}{
		{"words replaced together", "The p95 latency of OpenAI requests is above the threshold for ten minutes now.",
			"The p95 latency of OpenAI requests is far above the threshold for ten minutes now.",
			`"The p95 latency of OpenAI requests is {+far +}above the threshold for ten minutes now."`},
		{"a phrase rewritten is one change", "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu",
			"alpha beta one two three four zeta eta theta iota kappa lambda mu",
			`"alpha beta [-gamma delta epsilon-]{+one two three four+} zeta eta theta iota kappa lambda mu"`},
		{"context cut on both sides", strings.Repeat("lead ", 20) + "old" + strings.Repeat(" tail", 20),
			strings.Repeat("lead ", 20) + "new" + strings.Repeat(" tail", 20),
			`"…lead lead lead lead lead lead lead lead [-old-]{+new+} tail tail tail tail tail tail tail tail…"`},
		{"an added bracket shows where it was added", "sum(rate(x[5m]))", "max(sum(rate(x[5m])))",
			`"{+max(+}sum(rate(x[5m])){+)+}"`},
		{"a removed bracket too", "a + ((b))", "a + (b)", `"a + ([-(-]b)[-)-]"`},
		{"removal at the end", "sum(rate(x[5m])) by (model) and on (model) something long enough to be a word diff",
			"sum(rate(x[5m])) by (model)",
			`"sum(rate(x[5m])) by (model)[- and on (model) something long enough to be a word diff-]"`},
		{"newlines stay escaped", "line one\nline two", "line one\nline 2",
			`"line one\nline [-two-]{+2+}"`},
		{"everything changed", strings.Repeat("a", 70), strings.Repeat("b", 70),
			`"[-` + strings.Repeat("a", 70) + `-]{+` + strings.Repeat("b", 70) + `+}"`},
		{"multibyte text", "Latenz der Anfragen an OpenAI über fünf Minuten gemittelt, je Modell — p95",
			"Latenz der Anfragen an OpenAI über zehn Minuten gemittelt, je Modell — p95",
			`"Latenz der Anfragen an OpenAI über [-fünf-]{+zehn+} Minuten gemittelt, je Modell — p95"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := WordDiff(tt.from, tt.to); got != tt.want {
				t.Errorf("WordDiff:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestWordDiffBoundsAHugeChange(t *testing.T) {
	from := strings.Repeat("word ", 2000)
	to := strings.Repeat("other ", 2000)
	got := WordDiff(from, to)
	if len(got) > 2*maxHunkLen+100 {
		t.Errorf("a rewrite of 10 KB renders in %d bytes", len(got))
	}
	if !strings.HasPrefix(got, `"[-word word`) || !strings.Contains(got, "{+other other") {
		t.Errorf("the start of the change is not shown: %.200s", got)
	}
}

func TestShortAndNonStringValuesStayOldToNew(t *testing.T) {
	for _, c := range []Change{
		{Path: "a", Op: Changed, From: "short", To: "brief"},
		{Path: "a", Op: Changed, From: strings.Repeat("x", 80), To: nil},
		{Path: "a", Op: Changed, From: map[string]any{"k": strings.Repeat("x", 80)}, To: "y"},
	} {
		if got := c.String(); !strings.Contains(got, " -> ") {
			t.Errorf("%q: want old -> new", got)
		}
	}
}

func TestWordDiffIsRedactedFirst(t *testing.T) {
	secret := "glsa_review_secret_0123456789abcdef"
	from := "https://hooks.example.com/services/T000/B000/" + secret + "?channel=alerts-warning"
	to := "https://hooks.example.com/services/T000/B000/" + secret + "?channel=alerts-critical"
	redact := func(s string) string { return strings.ReplaceAll(s, secret, "<secret>") }
	c := Change{Path: "settings.url", Op: Changed, From: from, To: to}
	got := c.Format(redact)
	if strings.Contains(got, secret[:8]) || !strings.Contains(got, "<secret>") || !strings.Contains(got, "[-warning-]{+critical+}") {
		t.Errorf("Format = %s", got)
	}

	// Two values that differ only in their secret show as two redactions:
	// a review sees that it changed, never what it is.
	c = Change{Path: "settings.url", Op: Changed, From: from, To: strings.Replace(from, secret, "glsa_other_secret_value_9876543210", 1)}
	redact2 := func(s string) string {
		return strings.ReplaceAll(redact(s), "glsa_other_secret_value_9876543210", "<secret>")
	}
	if got := c.Format(redact2); strings.Contains(got, "glsa_") || strings.Count(got, "<secret>") != 2 {
		t.Errorf("Format = %s", got)
	}
}
