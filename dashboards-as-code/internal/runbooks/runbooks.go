// Package runbooks renders docs/runbooks.md, the runbooks of the alert
// rules, from the configuration and the built rule groups. The prose is
// hand-written in runbooks.md.tmpl, one section per rule; every threshold,
// window, pending period, severity, budget and model name in it is filled in
// from the rules or the configuration, so the document cannot drift from
// what the rules do.
package runbooks

import (
	"bytes"
	_ "embed"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/alerting"
	"github.com/prometheus/common/model"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/alerts"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/dashboards/openairuntime"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/promexpr"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/traceql"
)

// TemplateFile is the template's name, as errors cite it.
const TemplateFile = "dashboards-as-code/internal/runbooks/runbooks.md.tmpl"

//go:embed runbooks.md.tmpl
var source string

// The templates of one alert rule, named after its title: its section, and
// its condition in the summary table.
const (
	sectionPrefix = "alert "
	whenPrefix    = "when "
)

// The no-data and error states the "No data and errors" section describes
// for every rule.
const (
	documentedNoData  = string(alerting.RuleNoDataStateOK)
	documentedExecErr = string(alerting.RuleExecErrStateError)
)

// Document is the data of the template.
type Document struct {
	// TemplateFile is where the prose is written.
	TemplateFile string
	Config       config.Config
	// Rules are the alert rules in the order of their groups.
	Rules []Rule
	// Sections are the rendered sections of the rules, in the same order.
	Sections []Section
	// BurnRates are the rows of the burn-rate table, one per window.
	BurnRates []BurnRow
	// LatencyPercentile names the latency alert's quantile (p95).
	LatencyPercentile string
	Metrics           Metrics
	TraceQL           TraceQL
	Pricing           PricingExamples
}

// Metrics are the contract's names the prose cites.
type Metrics struct {
	TimeToFirstTokenSeconds        string
	RequestDurationSeconds         string
	BilledDayStartTimestampSeconds string
	LabelStream                    string
	LabelBucket                    string
	LabelModel                     string
	LabelErrorType                 string
	LabelLimitType                 string
	StatusSuccess                  string
	StatusError                    string
	StatusCancelled                string
	StreamTrue                     string
	StreamFalse                    string
}

// TraceQL are the trace queries the prose cites.
type TraceQL struct {
	// Failed selects the failed OpenAI calls, Slow those slower than the
	// latency alert's threshold; SlowThreshold is that threshold.
	Failed, Slow, SlowThreshold string
}

// PricingExamples illustrate how the price table matches model names, with
// the table's own models.
type PricingExamples struct {
	// Model prices Snapshot, a dated snapshot of it without a line.
	Model, Snapshot string
	// Variant is another model of the table whose name starts with
	// VariantOf: it has a line of its own. Empty when the table has none.
	Variant, VariantOf string
}

// exampleSnapshotDate makes a dated snapshot name of a model for the
// pricing example.
const exampleSnapshotDate = "-2025-01-01"

// Section is the data of one rule's templates, and their result.
type Section struct {
	*Document
	Rule Rule
	// Burn is set for a burn-rate rule.
	Burn *Burn
	// When and Body are the rendered condition and section.
	When, Body string
}

// Burn describes a burn-rate rule: its objective and windows.
type Burn struct {
	// Objective is the objective's name in lower case: availability, latency.
	Objective     string
	TargetPercent float64
	Window        time.Duration
	// BudgetPercent is the error budget, in percent of the calls.
	BudgetPercent float64
	Long, Short   time.Duration
	Factor        float64
	Page          bool
	// SpentPercent is the share of the budget spent over Long at Factor;
	// BadPercent the share of calls that are bad at Factor; Exhausted how
	// long the whole budget lasts at Factor.
	SpentPercent float64
	BadPercent   float64
	Exhausted    time.Duration
}

// BurnRow is a row of the burn-rate table.
type BurnRow struct {
	Long, Short time.Duration
	Factor      float64
	// Spent is the share of the budget spent over Long at Factor, per
	// objective when their windows differ.
	Spent    string
	Severity string
	Page     bool
}

// objectiveNames are the objectives as the burn-rate rules' titles name
// them (openairuntime.BurnRateAlertTitle).
func objectives(s config.SLOs) []struct {
	name string
	o    config.Objective
} {
	return []struct {
		name string
		o    config.Objective
	}{{"Availability", s.Availability}, {"Latency", s.Latency.Objective}}
}

// Render renders the runbooks document of the rule groups built from cfg.
// It fails when a rule has no section in the template, when the template
// has a section for a rule that does not exist, or when a link of the
// document, a rule's runbook_url included, leads to no heading.
func Render(cfg config.Config, groups []alerting.RuleGroup) ([]byte, error) {
	rules, err := readRules(groups)
	if err != nil {
		return nil, err
	}
	doc := &Document{
		TemplateFile:      TemplateFile,
		Config:            cfg,
		Rules:             rules,
		LatencyPercentile: promexpr.PercentileName(cfg.Alerts.Latency.Quantile),
		Metrics: Metrics{
			TimeToFirstTokenSeconds:        m.TimeToFirstTokenSeconds,
			RequestDurationSeconds:         m.RequestDurationSeconds,
			BilledDayStartTimestampSeconds: m.BilledDayStartTimestampSeconds,
			LabelStream:                    m.LabelStream,
			LabelBucket:                    m.LabelBucket,
			LabelModel:                     m.LabelModel,
			LabelErrorType:                 m.LabelErrorType,
			LabelLimitType:                 m.LabelLimitType,
			StatusSuccess:                  m.StatusSuccess,
			StatusError:                    m.StatusError,
			StatusCancelled:                m.StatusCancelled,
			StreamTrue:                     m.StreamTrue,
			StreamFalse:                    m.StreamFalse,
		},
		TraceQL: TraceQL{
			Failed:        traceql.OpenAICalls().Failed().String(),
			Slow:          traceql.OpenAICalls().SlowerThan(cfg.Alerts.Latency.ThresholdSeconds).String(),
			SlowThreshold: traceql.Duration(cfg.Alerts.Latency.ThresholdSeconds),
		},
	}
	if doc.Pricing, err = pricingExamples(cfg.Pricing.Models); err != nil {
		return nil, err
	}
	byTitle := map[string]Rule{}
	for _, r := range rules {
		if _, dup := byTitle[r.Title]; dup {
			return nil, fmt.Errorf("two rules are titled %s: their runbook sections would share one anchor", r.Title)
		}
		byTitle[r.Title] = r
		if r.NoDataState != documentedNoData || r.ExecErrState != documentedExecErr {
			return nil, fmt.Errorf("rule %s has no-data state %s and error state %s; the runbooks' \"No data and errors\" section says %s and %s for every rule: update it in %s",
				r.Title, r.NoDataState, r.ExecErrState, documentedNoData, documentedExecErr, TemplateFile)
		}
	}
	burns, err := burnRates(cfg.SLOs, byTitle)
	if err != nil {
		return nil, err
	}
	if doc.BurnRates, err = burnRows(cfg.SLOs, byTitle); err != nil {
		return nil, err
	}

	tmpl, err := template.New("runbooks").Option("missingkey=error").Funcs(funcs(byTitle)).Parse(source)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", TemplateFile, err)
	}
	if err := checkSections(tmpl, byTitle); err != nil {
		return nil, err
	}
	for _, r := range rules {
		s := Section{Document: doc, Rule: r, Burn: burns[r.Title]}
		if s.When, err = execute(tmpl, whenPrefix+r.Title, s); err != nil {
			return nil, err
		}
		if strings.Contains(s.When, "\n") || strings.Contains(s.When, "|") {
			return nil, fmt.Errorf("%s: template %q must render one line without |: it is a cell of the summary table", TemplateFile, whenPrefix+r.Title)
		}
		if s.Body, err = execute(tmpl, sectionPrefix+r.Title, s); err != nil {
			return nil, err
		}
		doc.Sections = append(doc.Sections, s)
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, doc); err != nil {
		return nil, fmt.Errorf("render %s: %w", TemplateFile, err)
	}
	if err := checkLinks(out.String(), cfg.RunbookURL, rules); err != nil {
		return nil, err
	}
	return []byte(strings.TrimRight(out.String(), "\n") + "\n"), nil
}

func execute(tmpl *template.Template, name string, data any) (string, error) {
	var b strings.Builder
	if err := tmpl.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("render %s: %w", TemplateFile, err)
	}
	return strings.TrimSpace(b.String()), nil
}

// checkSections holds the template's sections to the rules: one section and
// one condition per rule, none for a rule that does not exist.
func checkSections(tmpl *template.Template, rules map[string]Rule) error {
	var problems []string
	for title := range rules {
		for _, prefix := range []string{sectionPrefix, whenPrefix} {
			if tmpl.Lookup(prefix+title) == nil {
				problems = append(problems, fmt.Sprintf("rule %s has no template %q: add {{define %q}}", title, prefix+title, prefix+title))
			}
		}
	}
	for _, t := range tmpl.Templates() {
		for _, prefix := range []string{sectionPrefix, whenPrefix} {
			title, ok := strings.CutPrefix(t.Name(), prefix)
			if _, exists := rules[title]; ok && !exists {
				problems = append(problems, fmt.Sprintf("template %q is of no rule: remove it, or rename it after the rule's title", t.Name()))
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	slices.Sort(problems)
	return fmt.Errorf("%s does not match the alert rules:\n%s", TemplateFile, strings.Join(problems, "\n"))
}

var (
	headingLine = regexp.MustCompile(`(?m)^#{1,6} +(.+?) *$`)
	anchorLink  = regexp.MustCompile(`\]\(#([^)]*)\)`)
)

// headings returns the anchors of the headings of a Markdown document, as
// GitHub makes them: lower case, spaces as hyphens, punctuation dropped.
// Headings inside code blocks are skipped.
func headings(markdown string) []string {
	var anchors []string
	inCode := false
	for line := range strings.Lines(markdown) {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
			continue
		}
		if match := headingLine.FindStringSubmatch(strings.TrimRight(line, "\n")); !inCode && match != nil {
			anchors = append(anchors, alerts.RunbookAnchor(match[1]))
		}
	}
	return anchors
}

// checkLinks fails when a link to an anchor of the document, or a rule's
// runbook_url, leads to no heading.
func checkLinks(doc, base string, rules []Rule) error {
	anchors := headings(doc)
	var problems []string
	for _, match := range anchorLink.FindAllStringSubmatch(doc, -1) {
		if !slices.Contains(anchors, match[1]) {
			problems = append(problems, fmt.Sprintf("the link to #%s leads to no heading", match[1]))
		}
	}
	for _, r := range rules {
		anchor, ok := strings.CutPrefix(r.RunbookURL, base+"#")
		if !ok || !slices.Contains(anchors, anchor) {
			problems = append(problems, fmt.Sprintf("rule %s: runbook_url %q is not %s#<a heading of the document>", r.Title, r.RunbookURL, base))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%s renders broken links:\n%s", TemplateFile, strings.Join(problems, "\n"))
}

// burnRates describes every burn-rate rule, by title. Each objective has
// one rule per burn-rate window; its factor is the rule's threshold.
func burnRates(s config.SLOs, rules map[string]Rule) (map[string]*Burn, error) {
	out := map[string]*Burn{}
	for _, o := range objectives(s) {
		for _, w := range config.BurnRateWindows() {
			title := openairuntime.BurnRateAlertTitle(o.name, w)
			r, ok := rules[title]
			if !ok {
				return nil, fmt.Errorf("no rule %s: the runbooks describe one per objective and burn-rate window", title)
			}
			if r.Op != ">" || r.Threshold != w.Factor || r.Lookback != w.Long {
				return nil, fmt.Errorf("rule %s fires when %s %s over %s, not above %s over %s as its burn-rate window says",
					title, r.Op, formatNumber(r.Threshold), formatDuration(r.Lookback), formatNumber(w.Factor), formatDuration(w.Long))
			}
			budget := o.o.ErrorBudget() * 100
			out[title] = &Burn{
				Objective:     strings.ToLower(o.name),
				TargetPercent: o.o.TargetPercent,
				Window:        o.o.Window,
				BudgetPercent: budget,
				Long:          w.Long,
				Short:         w.Short,
				Factor:        r.Threshold,
				Page:          w.Page,
				SpentPercent:  r.Threshold * float64(w.Long) / float64(o.o.Window) * 100,
				BadPercent:    r.Threshold * budget,
				Exhausted:     time.Duration(float64(o.o.Window) / r.Threshold),
			}
		}
	}
	return out, nil
}

// burnRows are the rows of the burn-rate table: the windows, their factor,
// the share of each objective's budget they spend, the rules' severity.
func burnRows(s config.SLOs, rules map[string]Rule) ([]BurnRow, error) {
	var out []BurnRow
	for _, w := range config.BurnRateWindows() {
		row := BurnRow{Long: w.Long, Short: w.Short, Factor: w.Factor, Page: w.Page}
		var spent []string
		for _, o := range objectives(s) {
			r := rules[openairuntime.BurnRateAlertTitle(o.name, w)]
			if row.Severity != "" && r.Severity != row.Severity {
				return nil, fmt.Errorf("the burn-rate rules over %s differ in severity (%s, %s): the runbooks' table gives one per window",
					formatDuration(w.Long), row.Severity, r.Severity)
			}
			row.Severity = r.Severity
			spent = append(spent, fmt.Sprintf("%s %% of %s", formatPercent(w.Factor*float64(w.Long)/float64(o.o.Window)*100), strings.ToLower(o.name)))
		}
		row.Spent = strings.Join(spent, ", ")
		if s.Availability.Window == s.Latency.Window {
			row.Spent = formatPercent(w.Factor*float64(w.Long)/float64(s.Availability.Window)*100) + " %"
		}
		out = append(out, row)
	}
	return out, nil
}

// pricingExamples picks the price table's models that illustrate how it
// matches names.
func pricingExamples(prices []config.ModelPrice) (PricingExamples, error) {
	var ex PricingExamples
	for _, p := range prices {
		if _, dated := promexpr.SnapshotOf(p.Model); !dated {
			ex.Model = p.Model
			break
		}
	}
	if ex.Model == "" {
		return ex, fmt.Errorf("the price table has no model without a date: the runbooks need one as an example")
	}
	ex.Snapshot = ex.Model + exampleSnapshotDate
	if of, ok := promexpr.SnapshotOf(ex.Snapshot); !ok || of != ex.Model {
		return ex, fmt.Errorf("%s is not read as a dated snapshot of %s: fix exampleSnapshotDate in the runbooks package", ex.Snapshot, ex.Model)
	}
	for _, a := range prices {
		for _, b := range prices {
			if _, dated := promexpr.SnapshotOf(b.Model); !dated && strings.HasPrefix(b.Model, a.Model+"-") {
				ex.Variant, ex.VariantOf = b.Model, a.Model
				return ex, nil
			}
		}
	}
	return ex, nil
}

func funcs(rules map[string]Rule) template.FuncMap {
	return template.FuncMap{
		// rule is the rule of a title, for a section that quotes another
		// rule's values.
		"rule": func(title string) (Rule, error) {
			r, ok := rules[title]
			if !ok {
				return Rule{}, fmt.Errorf("no alert rule is titled %s", title)
			}
			return r, nil
		},
		// link links a rule's section.
		"link": func(title string) (string, error) {
			r, ok := rules[title]
			if !ok {
				return "", fmt.Errorf("no alert rule is titled %s", title)
			}
			return "[" + r.Title + "](#" + r.Anchor + ")", nil
		},
		// ref links a heading of the document.
		"ref": func(heading string) string {
			return "[" + heading + "](#" + alerts.RunbookAnchor(heading) + ")"
		},
		"dur":   formatDuration,
		"words": words,
		"last":  last,
		"about": about,
		"num":   formatNumber,
		"pct":   formatPercent,
		"usd":   func(v float64) string { return fmt.Sprintf("$%.2f", v) },
		// budget is an objective's error budget in percent of the calls.
		"budget": func(o config.Objective) float64 { return o.ErrorBudget() * 100 },
		// longWindows lists the long windows of the burn-rate table.
		"longWindows": func(rows []BurnRow) string {
			ds := make([]time.Duration, len(rows))
			for i, r := range rows {
				ds[i] = r.Long
			}
			return joinDurations(ds...)
		},
		"trimArticle": trimArticle,
	}
}

func formatDuration(d time.Duration) string { return model.Duration(d).String() }

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// formatPercent rounds a percentage to two decimals: 72, not
// 72.00000000000001.
func formatPercent(f float64) string { return formatNumber(math.Round(f*100) / 100) }

// joinDurations lists windows in Prometheus notation: 1h, 6h and 3d.
func joinDurations(ds ...time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = formatDuration(d)
	}
	if len(parts) < 2 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

type unit struct {
	size      time.Duration
	one, many string
}

var units = []unit{
	{24 * time.Hour, "a day", "days"},
	{time.Hour, "an hour", "hours"},
	{time.Minute, "a minute", "minutes"},
	{time.Second, "a second", "seconds"},
}

// words spells a duration in English: 5 minutes, an hour, 24 hours, 3 days.
// Days are used from 2 days on; a duration of no whole unit stays in
// Prometheus notation.
func words(d time.Duration) string {
	for _, u := range units {
		if d < u.size || d%u.size != 0 || (u.size == 24*time.Hour && d < 48*time.Hour) {
			continue
		}
		if n := d / u.size; n != 1 {
			return strconv.FormatInt(int64(n), 10) + " " + u.many
		}
		return u.one
	}
	return formatDuration(d)
}

// last is "the last hour", "the last 5 minutes".
func last(d time.Duration) string { return "the last " + trimArticle(words(d)) }

// trimArticle turns "a minute" into "minute", for "every minute".
func trimArticle(s string) string {
	for _, article := range []string{"a ", "an "} {
		if rest, ok := strings.CutPrefix(s, article); ok {
			return rest
		}
	}
	return s
}

// about rounds a duration to whole days from 2 days on, whole hours from 2
// hours on, whole minutes below, and spells it.
func about(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return words(d.Round(24 * time.Hour))
	case d >= 2*time.Hour:
		return words(d.Round(time.Hour))
	default:
		return words(max(d.Round(time.Minute), time.Minute))
	}
}
