package runbooks

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/grafana/grafana-foundation-sdk/go/alerting"
	"github.com/prometheus/common/model"

	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/alerts"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
)

// committedConfig loads dashboards-as-code/config.yaml.
func committedConfig(t *testing.T) config.Config {
	t.Helper()
	cfg, err := config.Load(filepath.Join("..", "..", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func build(t *testing.T, cfg config.Config) []alerting.RuleGroup {
	t.Helper()
	groups, err := alerts.Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return groups
}

func render(t *testing.T, cfg config.Config) string {
	t.Helper()
	out, err := Render(cfg, build(t, cfg))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// githubAnchor is GitHub's anchor of a heading, written from its rules and
// independent of alerts.RunbookAnchor: lower case, spaces to hyphens, every
// other character but letters, digits, hyphens and underscores dropped.
func githubAnchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case unicode.IsLetter(r), unicode.IsDigit(r), r == '-', r == '_':
			b.WriteRune(r)
		}
	}
	return b.String()
}

var heading2 = regexp.MustCompile(`(?m)^## (.+)$`)

// sections returns the titles of the level-2 headings of a document.
func sections(doc string) []string {
	var out []string
	for _, m := range heading2.FindAllStringSubmatch(doc, -1) {
		out = append(out, m[1])
	}
	return out
}

// ruleTitles lists every rule the generator builds.
func ruleTitles(groups []alerting.RuleGroup) []string {
	var out []string
	for _, g := range groups {
		for _, r := range g.Rules {
			out = append(out, r.Title)
		}
	}
	return out
}

// generalSections are the headings that are no rule's.
var generalSections = []string{"No data and errors", `What "today" means`, "SLOs and burn rates", "DatasourceError"}

func TestEveryRuleHasOneSectionAndNoSectionLacksARule(t *testing.T) {
	cfg := committedConfig(t)
	groups := build(t, cfg)
	doc := render(t, cfg)
	titles := ruleTitles(groups)
	if len(titles) < 10 {
		t.Fatalf("only %d rules built", len(titles))
	}
	var ruleSections []string
	for _, s := range sections(doc) {
		if !slices.Contains(generalSections, s) {
			ruleSections = append(ruleSections, s)
		}
	}
	if !slices.Equal(ruleSections, titles) {
		t.Errorf("rule sections, in order:\n%v\nrules, in order:\n%v", ruleSections, titles)
	}
	for _, title := range titles {
		if n := strings.Count(doc, "\n| ["+title+"](#"+githubAnchor(title)+") |"); n != 1 {
			t.Errorf("the summary table has %d rows of %s", n, title)
		}
	}
}

func TestRunbookURLsLeadToHeadings(t *testing.T) {
	cfg := committedConfig(t)
	groups := build(t, cfg)
	doc := render(t, cfg)
	var anchors []string
	for _, m := range regexp.MustCompile(`(?m)^#+ (.+)$`).FindAllStringSubmatch(doc, -1) {
		anchors = append(anchors, githubAnchor(m[1]))
	}
	n := 0
	for _, g := range groups {
		for _, r := range g.Rules {
			url := r.Annotations[alerts.AnnotationRunbookURL]
			anchor, ok := strings.CutPrefix(url, cfg.RunbookURL+"#")
			if !ok || !slices.Contains(anchors, anchor) {
				t.Errorf("%s: runbook_url %q leads to no heading of the document", r.Title, url)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no rule checked")
	}
	for _, m := range regexp.MustCompile(`\]\(#([^)]*)\)`).FindAllStringSubmatch(doc, -1) {
		if !slices.Contains(anchors, m[1]) {
			t.Errorf("the link to #%s leads to no heading", m[1])
		}
	}
}

func TestThresholdsOfTheConfigurationAreQuoted(t *testing.T) {
	cfg := committedConfig(t)
	doc := render(t, cfg)
	for _, want := range []string{
		"| [OpenAIHighErrorRate](#openaihigherrorrate) | warning | a model's error % > 5 for 5m | openai-errors |",
		"| [OpenAIHighErrorRateCritical](#openaihigherrorratecritical) | critical | a model's error % > 20 for 5m | openai-errors |",
		"| [OpenAIHighLatency](#openaihighlatency) | warning | a model's p95 latency > 5 s for 10m | openai-latency |",
		"| [OpenAIRateLimitHeadroomLow](#openairatelimitheadroomlow) | warning | remaining / limit < 10 % for 2m, while serving | openai-rate-limits |",
		"| [OpenAIDailyBudgetNearlySpent](#openaidailybudgetnearlyspent) | warning | spend of the last 24 hours > $8.00, 80 % of the $10.00 budget | openai-cost |",
		"| [OpenAIBillingMismatch](#openaibillingmismatch) | warning | the estimate of the last complete UTC day is more than 10 % off OpenAI's bill, for 1h | openai-cost |",
		"| [OpenAIAvailabilityBurnRate1h](#openaiavailabilityburnrate1h) | critical | the availability budget burns > 14.4× over 1h and over 5m | openai-slo |",
		"| [OpenAILatencyBurnRate3d](#openailatencyburnrate3d) | warning | the latency budget burns > 1× over 3d and over 6h | openai-slo |",
		"| 1h / 5m | 14.4 | 2 % | critical (page) |",
		"| 3d / 6h | 1 | 10 % | warning (ticket) |",
		"(with a 95 % objective, more than 72 % of the calls)",
		"evaluated every minute:",
		"**OpenAI calls slower than 5s**",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("the document lacks %q", want)
		}
	}
}

// TestChangedConfigurationChangesTheText changes values of the configuration
// and expects the document to quote the new ones, and no longer the old.
func TestChangedConfigurationChangesTheText(t *testing.T) {
	base := committedConfig(t)
	before := render(t, base)
	cases := []struct {
		name      string
		change    func(*config.Config)
		old, want string
	}{
		{"error rate warning", func(c *config.Config) { c.Alerts.ErrorRate.WarningPercent = 7.5 },
			"a model's error % > 5 for 5m", "a model's error % > 7.5 for 5m"},
		{"error rate pending period", func(c *config.Config) { c.Alerts.ErrorRate.For = 15 * 60e9 },
			"failed over the last 5 minutes, for 5 minutes", "failed over the last 5 minutes, for 15 minutes"},
		{"latency quantile and threshold", func(c *config.Config) {
			c.Alerts.Latency.Quantile, c.Alerts.Latency.ThresholdSeconds = 0.99, 8
		}, "a model's p95 latency > 5 s", "a model's p99 latency > 8 s"},
		{"daily budget", func(c *config.Config) { c.Alerts.Budget.DailyUSD = 25 },
			"$8.00, 80 % of the $10.00 budget", "$20.00, 80 % of the $25.00 budget"},
		{"headroom", func(c *config.Config) { c.Alerts.RateLimitHeadroom.MinPercent = 15 },
			"remaining / limit < 10 %", "remaining / limit < 15 %"},
		{"reconciliation", func(c *config.Config) { c.Alerts.Reconciliation.MaxGapPercent = 12 },
			"more than 10 % off OpenAI's bill", "more than 12 % off OpenAI's bill"},
		{"latency objective", func(c *config.Config) { c.SLOs.Latency.TargetPercent = 99 },
			"more than 72 % of the calls", "more than 14.4 % of the calls"},
		{"availability window", func(c *config.Config) { c.SLOs.Availability.Window = 28 * 24 * 3600e9 },
			"**Availability**, 99 % over 30 days", "**Availability**, 99 % over 28 days"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(before, c.old) {
				t.Fatalf("the committed configuration's document lacks %q", c.old)
			}
			cfg := committedConfig(t)
			c.change(&cfg)
			after := render(t, cfg)
			if !strings.Contains(after, c.want) || strings.Contains(after, c.old) {
				t.Errorf("after the change the document should quote %q instead of %q", c.want, c.old)
			}
		})
	}
}

func TestPricingExamplesComeFromThePriceTable(t *testing.T) {
	cfg := committedConfig(t)
	cfg.Pricing.Models = []config.ModelPrice{
		{Model: "o3", InputUSDPerMillion: 2, CachedInputUSDPerMillion: 0.5, OutputUSDPerMillion: 8},
		{Model: "o3-mini", InputUSDPerMillion: 1.1, CachedInputUSDPerMillion: 0.55, OutputUSDPerMillion: 4.4},
	}
	doc := render(t, cfg)
	for _, want := range []string{"`o3` also prices\n   `o3-2025-01-01`", "as `o3-mini` has beside `o3`"} {
		if !strings.Contains(doc, want) {
			t.Errorf("the document lacks %q", want)
		}
	}
}

// withRule returns the groups with a copy of a rule retitled, appended to
// the last group.
func withRule(groups []alerting.RuleGroup, title string) []alerting.RuleGroup {
	out := slices.Clone(groups)
	last := &out[len(out)-1]
	extra := last.Rules[0]
	extra.Title = title
	last.Rules = append(slices.Clone(last.Rules), extra)
	return alerts.WithRunbooks(out, "https://example.com/runbooks.md")
}

func TestARuleWithoutSectionFails(t *testing.T) {
	cfg := committedConfig(t)
	cfg.RunbookURL = "https://example.com/runbooks.md"
	_, err := Render(cfg, withRule(build(t, cfg), "OpenAISomethingNew"))
	if err == nil || !strings.Contains(err.Error(), `rule OpenAISomethingNew has no template "alert OpenAISomethingNew"`) {
		t.Errorf("err = %v", err)
	}
}

func TestASectionWithoutRuleFails(t *testing.T) {
	cfg := committedConfig(t)
	groups := build(t, cfg)
	var dropped []alerting.RuleGroup
	for _, g := range groups {
		g.Rules = slices.DeleteFunc(slices.Clone(g.Rules), func(r alerting.Rule) bool { return r.Title == "OpenAIHighLatency" })
		dropped = append(dropped, g)
	}
	_, err := Render(cfg, dropped)
	if err == nil || !strings.Contains(err.Error(), `template "alert OpenAIHighLatency" is of no rule`) {
		t.Errorf("err = %v", err)
	}
}

func TestABrokenRunbookURLFails(t *testing.T) {
	cfg := committedConfig(t)
	groups := alerts.WithRunbooks(build(t, cfg), "https://elsewhere.example.com/runbooks.md")
	_, err := Render(cfg, groups)
	if err == nil || !strings.Contains(err.Error(), "runbook_url") {
		t.Errorf("err = %v", err)
	}
}

func TestAnUndocumentedNoDataStateFails(t *testing.T) {
	cfg := committedConfig(t)
	groups := build(t, cfg)
	groups[0].Rules = slices.Clone(groups[0].Rules)
	groups[0].Rules[0].NoDataState = alerting.RuleNoDataStateAlerting
	_, err := Render(cfg, groups)
	if err == nil || !strings.Contains(err.Error(), "No data and errors") {
		t.Errorf("err = %v", err)
	}
}

func TestWords(t *testing.T) {
	for d, want := range map[string]string{"1m": "a minute", "5m": "5 minutes", "1h": "an hour", "1d": "24 hours", "2d": "2 days", "90m": "90 minutes", "90s": "90 seconds", "30d": "30 days"} {
		dur, err := parseDuration(d)
		if err != nil {
			t.Fatal(err)
		}
		if got := words(dur); got != want {
			t.Errorf("words(%s) = %q, want %q", d, got, want)
		}
	}
	if got := last(3600e9); got != "the last hour" {
		t.Errorf("last(1h) = %q", got)
	}
	if got := about(50 * 3600e9); got != "2 days" {
		t.Errorf("about(50h) = %q", got)
	}
}

func parseDuration(s string) (time.Duration, error) {
	d, err := model.ParseDuration(s)
	return time.Duration(d), err
}
