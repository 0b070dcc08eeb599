package alerts_test

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/alerting"

	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/alerts"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/dashboards/openairuntime"
)

// scenarioTitles are the rules the scenario tests of this package exercise.
func scenarioTitles() []string {
	return []string{
		"OpenAIAvailabilityBurnRate1h", "OpenAIAvailabilityBurnRate3d", "OpenAIAvailabilityBurnRate6h",
		"OpenAIBillingMismatch", "OpenAIDailyBudgetExceeded", "OpenAIDailyBudgetNearlySpent", "OpenAIHighErrorRate",
		"OpenAIHighErrorRateCritical", "OpenAIHighLatency", "OpenAILatencyBurnRate1h", "OpenAILatencyBurnRate3d",
		"OpenAILatencyBurnRate6h", "OpenAIRateLimitHeadroomLow", "OpenAIUnpricedModel",
	}
}

func TestEveryRuleHasScenarios(t *testing.T) {
	got := sortedKeys(generatedRules(t))
	if want := scenarioTitles(); !slices.Equal(got, want) {
		t.Errorf("rules %v, scenarios cover %v: write scenarios for every rule", got, want)
	}
}

func TestRuleLabelsAndAnnotations(t *testing.T) {
	// The budget rules watch the total of all models and the billing rule
	// the organisation's bill, the burn-rate rules the service's objectives;
	// every other rule has one instance per model and names it.
	total := []string{"OpenAIDailyBudgetExceeded", "OpenAIDailyBudgetNearlySpent", "OpenAIBillingMismatch"}
	for _, o := range []string{"Availability", "Latency"} {
		for _, w := range config.BurnRateWindows() {
			total = append(total, openairuntime.BurnRateAlertTitle(o, w))
		}
	}
	for title, r := range generatedRules(t) {
		if s := r.Labels["severity"]; s != alerts.SeverityWarning && s != alerts.SeverityCritical {
			t.Errorf("%s: severity %q", title, s)
		}
		if strings.Contains(r.Annotations["summary"], "{{") || r.Annotations["summary"] == "" {
			t.Errorf("%s: summary %q must be a fixed sentence", title, r.Annotations["summary"])
		}
		d := r.Annotations["description"]
		if !strings.Contains(d, "$values.B.Value") {
			t.Errorf("%s: description %q does not show the value", title, d)
		}
		if !slices.Contains(total, title) && !strings.Contains(d, "$labels.model") {
			t.Errorf("%s: description %q does not name the model", title, d)
		}
		if r.Annotations["__dashboardUid__"] == "" || r.Annotations["__panelId__"] == "" {
			t.Errorf("%s: no dashboard panel link", title)
		}
		if r.NoDataState != "OK" || r.ExecErrState != "Error" {
			t.Errorf("%s: noDataState %s, execErrState %s; docs/runbooks.md#no-data-and-errors documents OK and Error",
				title, r.NoDataState, r.ExecErrState)
		}
	}
}

// runbookSections reads docs/runbooks.md: each heading's anchor and the text
// of its section.
func runbookSections(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "..", "docs", "runbooks.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sections := map[string]string{}
	var current string
	var body strings.Builder
	flush := func() {
		if current != "" {
			sections[current] = strings.TrimSpace(body.String())
		}
		body.Reset()
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			flush()
			current = alerts.RunbookAnchor(strings.TrimLeft(line, "# "))
			continue
		}
		body.WriteString(line + "\n")
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	flush()
	return sections
}

func TestEveryRuleLinksToItsRunbookSection(t *testing.T) {
	sections := runbookSections(t)
	base := testConfig().RunbookURL
	for title, r := range generatedRules(t) {
		url := r.Annotations[alerts.AnnotationRunbookURL]
		anchor, ok := strings.CutPrefix(url, base+"#")
		if !ok {
			t.Errorf("%s: runbook_url %q is not %s#<section>", title, url, base)
			continue
		}
		body, ok := sections[anchor]
		switch {
		case !ok:
			t.Errorf("%s: docs/runbooks.md has no section #%s", title, anchor)
		case len(body) < 200:
			t.Errorf("%s: section #%s is too short to say what to do: %q", title, anchor, body)
		}
	}
	for _, s := range []string{"no-data-and-errors", "what-today-means", "datasourceerror"} {
		if _, ok := sections[s]; !ok {
			t.Errorf("docs/runbooks.md has no section #%s", s)
		}
	}
}

func TestWithRunbooks(t *testing.T) {
	title := "OpenAIExample"
	in := []alerting.RuleGroup{{Rules: []alerting.Rule{
		{Title: title, Annotations: map[string]string{"summary": "s"}},
		{Title: "OpenAI Other Rule"},
	}}}
	out := alerts.WithRunbooks(in, "https://host/runbooks.md")
	if got := out[0].Rules[0].Annotations[alerts.AnnotationRunbookURL]; got != "https://host/runbooks.md#openaiexample" {
		t.Errorf("runbook_url %q", got)
	}
	if got := out[0].Rules[1].Annotations[alerts.AnnotationRunbookURL]; got != "https://host/runbooks.md#openai-other-rule" {
		t.Errorf("runbook_url %q", got)
	}
	if out[0].Rules[0].Annotations["summary"] != "s" {
		t.Error("other annotations lost")
	}
	if _, set := in[0].Rules[0].Annotations[alerts.AnnotationRunbookURL]; set {
		t.Error("WithRunbooks modified its input")
	}
}

func TestRunbookAnchor(t *testing.T) {
	tests := map[string]string{
		"OpenAIHighErrorRate":   "openaihigherrorrate",
		`What "today" means`:    "what-today-means",
		"No data and errors":    "no-data-and-errors",
		"  Rate-limit_headroom": "rate-limit_headroom",
	}
	for heading, want := range tests {
		if got := alerts.RunbookAnchor(heading); got != want {
			t.Errorf("RunbookAnchor(%q) = %q, want %q", heading, got, want)
		}
	}
}
