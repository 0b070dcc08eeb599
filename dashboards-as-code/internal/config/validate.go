package config

import (
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/common/model"
)

// minWindow is the shortest range a rate or increase may use: the backend
// exports every 10 seconds and rate() needs several samples in its window.
const minWindow = time.Minute

func (r rawConfig) validate(p *problems) Config {
	var cfg Config
	cfg.RunbookURL = validateRunbookURL(p, "runbook_url", r.RunbookURL)
	if r.Alerts == nil {
		p.add("alerts", "is required")
	} else {
		cfg.Alerts = r.Alerts.validate(p, "alerts")
	}
	if r.Pricing == nil {
		p.add("pricing", "is required")
	} else {
		cfg.Pricing = r.Pricing.validate(p, "pricing")
	}
	if r.SLOs == nil {
		p.add("slos", "is required")
	} else {
		cfg.SLOs = r.SLOs.validate(p, "slos")
	}
	if r.Notifications != nil {
		n := r.Notifications.validate(p, "notifications")
		cfg.Notifications = &n
	}
	return cfg
}

func validateRunbookURL(p *problems, path string, v *string) string {
	if v == nil || *v == "" {
		p.add(path, "is required")
		return ""
	}
	u, err := url.Parse(*v)
	switch {
	case err != nil:
		p.add(path, "is not a URL: %v", err)
	case u.Scheme != "http" && u.Scheme != "https":
		p.add(path, "must be an http or https URL")
	case u.Host == "":
		p.add(path, "must name a host")
	case u.Fragment != "":
		p.add(path, "must not have a #fragment: each alert appends the anchor of its section")
	}
	return *v
}

func (r rawAlerts) validate(p *problems, path string) Alerts {
	var a Alerts
	a.EvaluationInterval = p.duration(path+".evaluation_interval", r.EvaluationInterval)
	if a.EvaluationInterval != 0 && a.EvaluationInterval%(10*time.Second) != 0 {
		p.add(path+".evaluation_interval", "must be a multiple of 10s (Grafana evaluates rule groups in steps of 10s)")
		a.EvaluationInterval = 0
	}
	// forDuration checks a rule's pending period against the group interval.
	forDuration := func(path string, v *string) time.Duration {
		d := p.durationAtLeast(path, v, 0)
		if d > 0 && a.EvaluationInterval > 0 && d%a.EvaluationInterval != 0 {
			p.add(path, "must be a multiple of alerts.evaluation_interval (%s)", formatDuration(a.EvaluationInterval))
		}
		return d
	}

	section := func(name string, present bool) bool {
		if !present {
			p.add(path+"."+name, "is required")
		}
		return present
	}

	if section("error_rate", r.ErrorRate != nil) {
		s, sp := r.ErrorRate, path+".error_rate"
		a.ErrorRate = ErrorRate{
			Window:          p.durationAtLeast(sp+".window", s.Window, minWindow),
			For:             forDuration(sp+".for", s.For),
			WarningPercent:  p.percent(sp+".warning_percent", s.WarningPercent),
			CriticalPercent: p.percent(sp+".critical_percent", s.CriticalPercent),
		}
		if w, c := a.ErrorRate.WarningPercent, a.ErrorRate.CriticalPercent; w > 0 && c > 0 && c <= w {
			p.add(sp+".critical_percent", "must be above %s.warning_percent (%s)", sp, formatNumber(w))
		}
	}
	if section("latency", r.Latency != nil) {
		s, sp := r.Latency, path+".latency"
		a.Latency = Latency{
			Window:           p.durationAtLeast(sp+".window", s.Window, minWindow),
			For:              forDuration(sp+".for", s.For),
			Quantile:         p.number(sp+".quantile", s.Quantile),
			ThresholdSeconds: p.positive(sp+".threshold_seconds", s.ThresholdSeconds),
		}
		if q := s.Quantile; q != nil && !(*q > 0 && *q < 1) { // NaN too
			p.add(sp+".quantile", "must be between 0 and 1, exclusive (0.95 for p95)")
		}
	}
	if section("rate_limit_headroom", r.RateLimitHeadroom != nil) {
		s, sp := r.RateLimitHeadroom, path+".rate_limit_headroom"
		a.RateLimitHeadroom = RateLimitHeadroom{
			MinPercent:    p.percent(sp+".min_percent", s.MinPercent),
			For:           forDuration(sp+".for", s.For),
			TrafficWindow: p.durationAtLeast(sp+".traffic_window", s.TrafficWindow, minWindow),
		}
	}
	if section("budget", r.Budget != nil) {
		s, sp := r.Budget, path+".budget"
		a.Budget = Budget{
			DailyUSD:       p.positive(sp+".daily_usd", s.DailyUSD),
			WarningPercent: p.percent(sp+".warning_percent", s.WarningPercent),
			For:            forDuration(sp+".for", s.For),
		}
		if a.Budget.WarningPercent == 100 {
			p.add(sp+".warning_percent", "must be below 100: at 100 the warning fires with the critical alert")
		}
	}
	if section("unpriced_model", r.UnpricedModel != nil) {
		s, sp := r.UnpricedModel, path+".unpriced_model"
		a.UnpricedModel = UnpricedModel{
			Window: p.durationAtLeast(sp+".window", s.Window, minWindow),
			For:    forDuration(sp+".for", s.For),
		}
	}
	if section("reconciliation", r.Reconciliation != nil) {
		s, sp := r.Reconciliation, path+".reconciliation"
		a.Reconciliation = Reconciliation{
			MaxGapPercent: p.percent(sp+".max_gap_percent", s.MaxGapPercent),
			For:           forDuration(sp+".for", s.For),
		}
	}
	return a
}

// modelName is what a price table key may look like: OpenAI model names and
// dated snapshots (gpt-4o-mini, gpt-4.1, o3-2025-04-16, ft:gpt-4o-mini:acme).
var modelName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]*$`)

func (r rawPricing) validate(p *problems, path string) Pricing {
	path += ".usd_per_million_tokens"
	if len(r.USDPerMillionTokens) == 0 {
		p.add(path, "is required: list at least one model with its input and output price")
		return Pricing{}
	}
	models := make([]string, 0, len(r.USDPerMillionTokens))
	for m := range r.USDPerMillionTokens {
		models = append(models, m)
	}
	slices.Sort(models)
	var out Pricing
	for _, m := range models {
		mp := path + "." + m
		if !modelName.MatchString(m) {
			p.add(mp, "is not a model name: use letters, digits, '.', '_', ':' and '-'")
			continue
		}
		raw := r.USDPerMillionTokens[m]
		if raw == nil {
			p.add(mp, "is required: give its input, cached_input and output price")
			continue
		}
		mp += "."
		price := ModelPrice{
			Model:               m,
			InputUSDPerMillion:  p.positive(mp+"input", raw.Input),
			OutputUSDPerMillion: p.positive(mp+"output", raw.Output),
		}
		if raw.CachedInput == nil {
			p.add(mp+"cached_input", `is required: the price of input tokens read from OpenAI's prompt cache (its "Cached input" column); for a model without a cached price, repeat its input price`)
		} else {
			price.CachedInputUSDPerMillion = p.positive(mp+"cached_input", raw.CachedInput)
		}
		if in, cached := price.InputUSDPerMillion, price.CachedInputUSDPerMillion; in > 0 && cached > in {
			p.add(mp+"cached_input", "must be at most its input price (%s): a cached token is an input token billed at a discount", formatNumber(in))
		}
		out.Models = append(out.Models, price)
	}
	return out
}

// number records a missing value and returns 0 for it.
func (p *problems) number(path string, v *float64) float64 {
	if v == nil {
		p.add(path, "is required")
		return 0
	}
	return *v
}

// maxNumber bounds every number of the file: far above any sensible
// threshold, budget or price, and far enough below the largest float that
// the arithmetic of the dashboards and alerts (a budget times a percentage,
// a price per token) stays finite.
const maxNumber = 1e9

func (p *problems) positive(path string, v *float64) float64 {
	if v == nil {
		p.add(path, "is required")
		return 0
	}
	if math.IsNaN(*v) || math.IsInf(*v, 0) || *v > maxNumber {
		p.add(path, "must be a finite number of at most %s", formatNumber(maxNumber))
		return 0
	}
	if *v <= 0 {
		p.add(path, "must be > 0")
		return 0
	}
	return *v
}

func (p *problems) percent(path string, v *float64) float64 {
	x := p.positive(path, v)
	if x > 100 {
		p.add(path, "must be <= 100")
		return 0
	}
	return x
}

// duration parses a required duration in Prometheus notation (30s, 5m, 1h, 1d).
func (p *problems) duration(path string, v *string) time.Duration {
	return p.durationAtLeast(path, v, time.Nanosecond)
}

func (p *problems) durationAtLeast(path string, v *string, least time.Duration) time.Duration {
	if v == nil {
		p.add(path, "is required")
		return 0
	}
	d, ok := p.parseDuration(path, *v)
	if !ok {
		return 0
	}
	if d < least {
		if least == time.Nanosecond {
			p.add(path, "must be > 0")
		} else {
			p.add(path, "must be at least %s", formatDuration(least))
		}
		return 0
	}
	return d
}

func (p *problems) parseDuration(path, s string) (time.Duration, bool) {
	d, err := model.ParseDuration(s)
	if err != nil {
		p.add(path, "%q is not a duration: write it like 30s, 5m, 1h or 1d", s)
		return 0, false
	}
	return time.Duration(d), true
}

func formatDuration(d time.Duration) string { return model.Duration(d).String() }

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
