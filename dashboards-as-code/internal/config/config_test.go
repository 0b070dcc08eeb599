package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
)

// valid is a complete configuration; the cases edit it.
const valid = `
runbook_url: https://git.example.com/scanium/docs/runbooks.md
alerts:
  evaluation_interval: 1m
  error_rate:
    window: 5m
    for: 5m
    warning_percent: 5
    critical_percent: 20
  latency:
    window: 5m
    for: 10m
    quantile: 0.95
    threshold_seconds: 5
  rate_limit_headroom:
    min_percent: 10
    for: 2m
    traffic_window: 5m
  budget:
    daily_usd: 10
    warning_percent: 80
    for: 0m
  unpriced_model:
    window: 30m
    for: 0m
  reconciliation:
    max_gap_percent: 10
    for: 1h
pricing:
  usd_per_million_tokens:
    gpt-4o-mini: {input: 0.15, cached_input: 0.075, output: 0.60}
    gpt-4.1: {input: 2, cached_input: 0.5, output: 8}
slos:
  availability:
    target_percent: 99
    window: 30d
  latency:
    target_percent: 95
    threshold_seconds: 2
    window: 30d
`

const notifications = `
notifications:
  contact_points:
    - uid: oncall
      name: On-call
      type: slack
      settings:
        url: ${SLACK_WEBHOOK_URL}
        recipient: "#alerts"
  policy:
    receiver: On-call
    group_by: [alertname, model]
    repeat_interval: 4h
    routes:
      - object_matchers: [[severity, "=", critical]]
        repeat_interval: 1h
`

// edit replaces old with new in the valid configuration, once.
func edit(old, new string) func(string) string {
	return func(s string) string {
		if !strings.Contains(s, old) {
			panic("test edit does not apply: " + old)
		}
		return strings.Replace(s, old, new, 1)
	}
}

func TestParseValid(t *testing.T) {
	cfg, err := config.Parse("config.yaml", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Alerts
	checks := []struct {
		name      string
		got, want any
	}{
		{"runbook_url", cfg.RunbookURL, "https://git.example.com/scanium/docs/runbooks.md"},
		{"evaluation_interval", a.EvaluationInterval, time.Minute},
		{"error_rate.window", a.ErrorRate.Window, 5 * time.Minute},
		{"error_rate.warning_percent", a.ErrorRate.WarningPercent, 5.0},
		{"error_rate.critical_percent", a.ErrorRate.CriticalPercent, 20.0},
		{"latency.for", a.Latency.For, 10 * time.Minute},
		{"latency.quantile", a.Latency.Quantile, 0.95},
		{"rate_limit_headroom.min_percent", a.RateLimitHeadroom.MinPercent, 10.0},
		{"budget.warning USD", a.Budget.WarningUSD(), 8.0},
		{"budget.for", a.Budget.For, time.Duration(0)},
		{"unpriced_model.window", a.UnpricedModel.Window, 30 * time.Minute},
		{"reconciliation.max_gap_percent", a.Reconciliation.MaxGapPercent, 10.0},
		{"reconciliation.for", a.Reconciliation.For, time.Hour},
		{"models, sorted", len(cfg.Pricing.Models), 2},
		{"first model", cfg.Pricing.Models[0], config.ModelPrice{Model: "gpt-4.1", InputUSDPerMillion: 2, CachedInputUSDPerMillion: 0.5, OutputUSDPerMillion: 8}},
		{"second model", cfg.Pricing.Models[1], config.ModelPrice{Model: "gpt-4o-mini", InputUSDPerMillion: 0.15, CachedInputUSDPerMillion: 0.075, OutputUSDPerMillion: 0.6}},
		{"no notifications", cfg.Notifications == nil, true},
		{"availability target", cfg.SLOs.Availability.TargetPercent, 99.0},
		{"availability window", cfg.SLOs.Availability.Window, 30 * 24 * time.Hour},
		{"availability budget", cfg.SLOs.Availability.ErrorBudget(), 0.01},
		{"latency target", cfg.SLOs.Latency.TargetPercent, 95.0},
		{"latency threshold", cfg.SLOs.Latency.ThresholdSeconds, 2.0},
		{"latency budget", cfg.SLOs.Latency.ErrorBudget(), 0.05},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestParseNotifications(t *testing.T) {
	cfg, err := config.Parse("config.yaml", []byte(valid+notifications))
	if err != nil {
		t.Fatal(err)
	}
	n := cfg.Notifications
	if n == nil || len(n.ContactPoints) != 1 || n.Policy == nil {
		t.Fatalf("notifications = %+v", n)
	}
	cp := n.ContactPoints[0]
	if cp.UID != "oncall" || cp.Type != "slack" || cp.Settings["url"] != "${SLACK_WEBHOOK_URL}" {
		t.Errorf("contact point = %+v", cp)
	}
	p := n.Policy
	if p.Receiver != "On-call" || p.RepeatInterval != 4*time.Hour || len(p.Routes) != 1 {
		t.Fatalf("policy = %+v", p)
	}
	if r := p.Routes[0]; r.Matchers[0] != [3]string{"severity", "=", "critical"} || r.RepeatInterval != time.Hour {
		t.Errorf("route = %+v", r)
	}
}

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name string
		edit func(string) string
		// want are lines the error must hold, file name included.
		want []string
	}{
		{name: "missing value", edit: edit("    warning_percent: 5\n", ""),
			want: []string{"config.yaml: alerts.error_rate.warning_percent: is required"}},
		{name: "zero percentage", edit: edit("warning_percent: 5", "warning_percent: 0"),
			want: []string{"config.yaml: alerts.error_rate.warning_percent: must be > 0"}},
		{name: "negative percentage", edit: edit("min_percent: 10", "min_percent: -1"),
			want: []string{"config.yaml: alerts.rate_limit_headroom.min_percent: must be > 0"}},
		{name: "percentage over 100", edit: edit("critical_percent: 20", "critical_percent: 120"),
			want: []string{"config.yaml: alerts.error_rate.critical_percent: must be <= 100"}},
		{name: "critical under warning", edit: edit("critical_percent: 20", "critical_percent: 4"),
			want: []string{"config.yaml: alerts.error_rate.critical_percent: must be above alerts.error_rate.warning_percent (5)"}},
		{name: "quantile out of range", edit: edit("quantile: 0.95", "quantile: 95"),
			want: []string{"config.yaml: alerts.latency.quantile: must be between 0 and 1, exclusive (0.95 for p95)"}},
		{name: "bad duration", edit: edit("window: 5m\n    for: 5m", "window: 5 minutes\n    for: 5m"),
			want: []string{`config.yaml: alerts.error_rate.window: "5 minutes" is not a duration: write it like 30s, 5m, 1h or 1d`}},
		{name: "window too short", edit: edit("traffic_window: 5m", "traffic_window: 30s"),
			want: []string{"config.yaml: alerts.rate_limit_headroom.traffic_window: must be at least 1m"}},
		{name: "interval not a multiple of 10s", edit: edit("evaluation_interval: 1m", "evaluation_interval: 15s"),
			want: []string{"config.yaml: alerts.evaluation_interval: must be a multiple of 10s"}},
		{name: "for not a multiple of the interval", edit: edit("for: 2m", "for: 90s"),
			want: []string{"config.yaml: alerts.rate_limit_headroom.for: must be a multiple of alerts.evaluation_interval (1m)"}},
		{name: "missing section", edit: edit("  latency:\n    window: 5m\n    for: 10m\n    quantile: 0.95\n    threshold_seconds: 5\n", ""),
			want: []string{"config.yaml: alerts.latency: is required"}},
		{name: "zero budget", edit: edit("daily_usd: 10", "daily_usd: 0"),
			want: []string{"config.yaml: alerts.budget.daily_usd: must be > 0"}},
		{name: "warning at the whole budget", edit: edit("warning_percent: 80", "warning_percent: 100"),
			want: []string{"config.yaml: alerts.budget.warning_percent: must be below 100"}},
		{name: "missing price", edit: edit("gpt-4.1: {input: 2, cached_input: 0.5, output: 8}", "gpt-4.1: {input: 2, cached_input: 0.5}"),
			want: []string{"config.yaml: pricing.usd_per_million_tokens.gpt-4.1.output: is required"}},
		{name: "missing cached price", edit: edit("gpt-4.1: {input: 2, cached_input: 0.5, output: 8}", "gpt-4.1: {input: 2, output: 8}"),
			want: []string{`config.yaml: pricing.usd_per_million_tokens.gpt-4.1.cached_input: is required: the price of input tokens read from OpenAI's prompt cache`}},
		{name: "missing input price", edit: edit("gpt-4.1: {input: 2, cached_input: 0.5, output: 8}", "gpt-4.1: {cached_input: 0.5, output: 8}"),
			want: []string{"config.yaml: pricing.usd_per_million_tokens.gpt-4.1.input: is required"}},
		{name: "zero price", edit: edit("{input: 0.15, cached_input: 0.075, output: 0.60}", "{input: 0, cached_input: 0.075, output: 0.60}"),
			want: []string{"config.yaml: pricing.usd_per_million_tokens.gpt-4o-mini.input: must be > 0"}},
		{name: "negative cached price", edit: edit("cached_input: 0.075", "cached_input: -0.075"),
			want: []string{"config.yaml: pricing.usd_per_million_tokens.gpt-4o-mini.cached_input: must be > 0"}},
		{name: "cached price above the input price", edit: edit("cached_input: 0.5", "cached_input: 2.5"),
			want: []string{"config.yaml: pricing.usd_per_million_tokens.gpt-4.1.cached_input: must be at most its input price (2)"}},
		{name: "missing reconciliation", edit: edit("  reconciliation:\n    max_gap_percent: 10\n    for: 1h\n", ""),
			want: []string{"config.yaml: alerts.reconciliation: is required"}},
		{name: "zero gap", edit: edit("max_gap_percent: 10", "max_gap_percent: 0"),
			want: []string{"config.yaml: alerts.reconciliation.max_gap_percent: must be > 0"}},
		{name: "reconciliation for not a multiple of the interval", edit: edit("for: 1h\npricing", "for: 90s\npricing"),
			want: []string{"config.yaml: alerts.reconciliation.for: must be a multiple of alerts.evaluation_interval (1m)"}},
		{name: "bad model name", edit: edit("gpt-4.1:", `"gpt 4.1":`),
			want: []string{"config.yaml: pricing.usd_per_million_tokens.gpt 4.1: is not a model name"}},
		{name: "empty price table", edit: edit("    gpt-4o-mini: {input: 0.15, cached_input: 0.075, output: 0.60}\n    gpt-4.1: {input: 2, cached_input: 0.5, output: 8}\n", ""),
			want: []string{"config.yaml: pricing.usd_per_million_tokens: is required"}},
		{name: "duplicate model", edit: edit("gpt-4.1:", "gpt-4o-mini:"),
			want: []string{`config.yaml: line 32: mapping key "gpt-4o-mini" already defined at line 31`}},
		{name: "unknown key", edit: edit("warning_percent: 5", "warning_percnt: 5"),
			want: []string{"config.yaml: line 8: field warning_percnt not found"}},
		{name: "number as text", edit: edit("daily_usd: 10", "daily_usd: ten"),
			want: []string{"config.yaml: line 20: cannot unmarshal !!str `ten` into float64"}},
		{name: "runbook URL with a fragment", edit: edit("runbooks.md\n", "runbooks.md#top\n"),
			want: []string{"config.yaml: runbook_url: must not have a #fragment"}},
		{name: "runbook URL not http", edit: edit("https://git.example.com", "ftp://git.example.com"),
			want: []string{"config.yaml: runbook_url: must be an http or https URL"}},
		{name: "slos missing", edit: func(s string) string { return s[:strings.Index(s, "slos:")] },
			want: []string{"config.yaml: slos: is required"}},
		{name: "latency objective missing", edit: func(s string) string { return s[:strings.Index(s, "  latency:\n    target")] },
			want: []string{"config.yaml: slos.latency: is required"}},
		{name: "availability target 100", edit: edit("target_percent: 99", "target_percent: 100"),
			want: []string{"config.yaml: slos.availability.target_percent: must be below 100: a target of 100 leaves no error budget"}},
		{name: "availability target too low to page", edit: edit("target_percent: 99", "target_percent: 90"),
			want: []string{"config.yaml: slos.availability.target_percent: must be at least 93.06: below it a burn rate of 14.4×"}},
		{name: "latency target missing", edit: edit("    target_percent: 95\n", ""),
			want: []string{"config.yaml: slos.latency.target_percent: is required"}},
		{name: "objective window shorter than the ticket's", edit: edit("window: 30d", "window: 1d"),
			want: []string{"config.yaml: slos.availability.window: must be at least 3d"}},
		{name: "latency threshold between buckets", edit: edit("threshold_seconds: 2", "threshold_seconds: 1.8"),
			want: []string{"config.yaml: slos.latency.threshold_seconds: 1.8 is not a bucket boundary of both " + m.TimeToFirstTokenSeconds + " and " + m.RequestDurationSeconds + ": use one of 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30"}},
		{name: "latency threshold only of the first-token buckets", edit: edit("threshold_seconds: 2", "threshold_seconds: 0.01"),
			want: []string{"config.yaml: slos.latency.threshold_seconds: 0.01 is not a bucket boundary of both"}},
		{name: "every problem at once", edit: func(s string) string {
			return edit("daily_usd: 10", "daily_usd: -5")(edit("quantile: 0.95", "quantile: 0")(s))
		}, want: []string{
			"config.yaml: alerts.latency.quantile: must be between 0 and 1",
			"config.yaml: alerts.budget.daily_usd: must be > 0",
		}},
		{name: "empty notifications", edit: func(s string) string { return s + "notifications: {}\n" },
			want: []string{"config.yaml: notifications: is empty"}},
		{name: "policy receiver unknown", edit: func(s string) string {
			return s + strings.Replace(notifications, "receiver: On-call", "receiver: Nobody", 1)
		}, want: []string{`config.yaml: notifications.policy.receiver: "Nobody" names no contact point`}},
		{name: "bad contact point type", edit: func(s string) string {
			return s + strings.Replace(notifications, "type: slack", "type: carrier-pigeon", 1)
		}, want: []string{`config.yaml: notifications.contact_points[0].type: "carrier-pigeon" is not a Grafana integration type`}},
		{name: "bad matcher", edit: func(s string) string {
			return s + strings.Replace(notifications, `[[severity, "=", critical]]`, `[[severity, "==", critical]]`, 1)
		}, want: []string{`config.yaml: notifications.policy.routes[0].object_matchers[0]: operator "=="`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse("config.yaml", []byte(tt.edit(valid)))
			if err == nil {
				t.Fatal("no error")
			}
			var cfgErr *config.Error
			if !errors.As(err, &cfgErr) {
				t.Fatalf("error %T, want *config.Error", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error:\n%v\nwant a line with: %s", err, w)
				}
			}
		})
	}
}

func TestSecretsStayOutOfTheFileAndOfMessages(t *testing.T) {
	const secret = "https://hooks.slack.example/services/T000/B000/very-secret-token"
	yaml := valid + strings.Replace(notifications, "${SLACK_WEBHOOK_URL}", secret, 1)
	_, err := config.Parse("config.yaml", []byte(yaml))
	if err == nil {
		t.Fatal("a literal webhook URL was accepted")
	}
	if !strings.Contains(err.Error(), "notifications.contact_points[0].settings.url: holds a secret") {
		t.Errorf("error %q does not name the setting", err)
	}
	if strings.Contains(err.Error(), "very-secret-token") {
		t.Error("the error repeats the secret")
	}
}

func TestLoad(t *testing.T) {
	t.Run("the committed configuration", func(t *testing.T) {
		cfg, err := config.Load(filepath.Join("..", "..", "config.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Notifications != nil {
			t.Error("notifications are configured; the default is none")
		}
		prices := map[string]config.ModelPrice{}
		for _, p := range cfg.Pricing.Models {
			prices[p.Model] = p
		}
		// OpenAI's list prices (standard tier, USD per 1M tokens) as
		// published in August 2025: input, cached input, output.
		want := map[string][3]float64{
			"gpt-4o-mini":  {0.15, 0.075, 0.60},
			"gpt-4o":       {2.50, 1.25, 10.00},
			"gpt-4.1":      {2.00, 0.50, 8.00},
			"gpt-4.1-mini": {0.40, 0.10, 1.60},
			"gpt-4.1-nano": {0.10, 0.025, 0.40},
			"gpt-5":        {1.25, 0.125, 10.00},
			"gpt-5-mini":   {0.25, 0.025, 2.00},
			"gpt-5-nano":   {0.05, 0.005, 0.40},
			"o1":           {15.00, 7.50, 60.00},
			"o3":           {2.00, 0.50, 8.00},
			"o3-mini":      {1.10, 0.55, 4.40},
			"o4-mini":      {1.10, 0.275, 4.40},
		}
		for model, w := range want {
			p, ok := prices[model]
			if got := [3]float64{p.InputUSDPerMillion, p.CachedInputUSDPerMillion, p.OutputUSDPerMillion}; !ok || got != w {
				t.Errorf("%s = %v (found %v), want input / cached_input / output %v", model, got, ok, w)
			}
		}
		if len(prices) != len(want) {
			t.Errorf("%d priced models, want %d", len(prices), len(want))
		}
	})
	t.Run("a missing file", func(t *testing.T) {
		_, err := config.Load(filepath.Join(t.TempDir(), "config.yaml"))
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("error %v, want one that wraps os.ErrNotExist", err)
		}
	})
	t.Run("an empty file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := config.Load(path)
		for _, w := range []string{path + ": runbook_url: is required", path + ": alerts: is required", path + ": pricing: is required"} {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("error %v, want %q", err, w)
			}
		}
	})
}

// Numbers that YAML accepts but no threshold, budget or price can be: infinite,
// not a number, or so large that the dashboards' arithmetic overflows (a
// daily budget of 1e308 rendered +Inf into the dashboard, which JSON cannot
// hold).
func TestNonFiniteAndHugeNumbersAreRejected(t *testing.T) {
	for _, tc := range []struct{ from, to, path string }{
		{"daily_usd: 10", "daily_usd: .inf", "alerts.budget.daily_usd"},
		{"daily_usd: 10", "daily_usd: 1e308", "alerts.budget.daily_usd"},
		{"daily_usd: 10", "daily_usd: .nan", "alerts.budget.daily_usd"},
		{"threshold_seconds: 5", "threshold_seconds: .inf", "alerts.latency.threshold_seconds"},
		{"warning_percent: 5", "warning_percent: .nan", "alerts.error_rate.warning_percent"},
		{"quantile: 0.95", "quantile: .nan", "alerts.latency.quantile"},
		{"input: 0.15", "input: .inf", ".input"},
		{"output: 0.60", "output: 2e9", ".output"},
		{"cached_input: 0.075", "cached_input: .nan", ".cached_input"},
		{"cached_input: 0.075", "cached_input: .inf", ".cached_input"},
		{"max_gap_percent: 10", "max_gap_percent: .nan", "alerts.reconciliation.max_gap_percent"},
	} {
		t.Run(tc.to, func(t *testing.T) {
			data := strings.Replace(valid, tc.from, tc.to, 1)
			if data == valid {
				t.Fatalf("%q is not in the valid configuration", tc.from)
			}
			_, err := config.Parse("config.yaml", []byte(data))
			if err == nil || !strings.Contains(err.Error(), tc.path) {
				t.Fatalf("want an error naming %s, got %v", tc.path, err)
			}
		})
	}
}
