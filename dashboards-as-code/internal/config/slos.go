package config

import (
	"math"
	"slices"
	"strings"
	"time"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// BurnRateWindow is one multiwindow burn-rate alert of the Google SRE
// workbook ("Alerting on SLOs"): it fires while the error budget burns
// faster than Factor times the sustainable rate over both the Long and the
// Short window. The short window makes the alert resolve soon after the
// burn stops.
type BurnRateWindow struct {
	Long, Short time.Duration
	// Factor is the burn rate both windows must exceed: the error ratio
	// over the window divided by the error budget.
	Factor float64
	// Page is true for the alerts that page (critical), false for the
	// ticket (warning).
	Page bool
}

// BurnRateWindows are the alerts of every objective, the workbook's for a
// 30-day window: 14.4× over 1h (2 % of the budget spent in an hour) and 6×
// over 6h (5 % in six hours) page, 1× over 3d (10 % in three days) opens a
// ticket.
func BurnRateWindows() []BurnRateWindow {
	return []BurnRateWindow{
		{Long: time.Hour, Short: 5 * time.Minute, Factor: 14.4, Page: true},
		{Long: 6 * time.Hour, Short: 30 * time.Minute, Factor: 6, Page: true},
		{Long: 3 * 24 * time.Hour, Short: 6 * time.Hour, Factor: 1, Page: false},
	}
}

// LatencyBoundaries are the values the latency objective's threshold may
// take: the bucket bounds that the time-to-first-token histogram and the
// request duration histogram share, so that both count calls under it
// exactly.
func LatencyBoundaries() []float64 {
	var out []float64
	durations := m.DurationBuckets()
	for _, b := range m.FirstTokenBuckets() {
		if slices.Contains(durations, b) {
			out = append(out, b)
		}
	}
	return out
}

func (r rawSLOs) validate(p *problems, path string) SLOs {
	var s SLOs
	if r.Availability == nil {
		p.add(path+".availability", "is required")
	} else {
		s.Availability = objective(p, path+".availability", r.Availability.TargetPercent, r.Availability.Window)
	}
	if r.Latency == nil {
		p.add(path+".latency", "is required")
		return s
	}
	lp := path + ".latency"
	s.Latency.Objective = objective(p, lp, r.Latency.TargetPercent, r.Latency.Window)
	s.Latency.ThresholdSeconds = p.positive(lp+".threshold_seconds", r.Latency.ThresholdSeconds)
	if t := s.Latency.ThresholdSeconds; t > 0 && !slices.Contains(LatencyBoundaries(), t) {
		bounds := make([]string, 0, len(LatencyBoundaries()))
		for _, b := range LatencyBoundaries() {
			bounds = append(bounds, formatNumber(b))
		}
		p.add(lp+".threshold_seconds", "%s is not a bucket boundary of both %s and %s: use one of %s",
			formatNumber(t), m.TimeToFirstTokenSeconds, m.RequestDurationSeconds, strings.Join(bounds, ", "))
		s.Latency.ThresholdSeconds = 0
	}
	return s
}

// objective validates a target and its window. The fastest page needs an
// error ratio of its factor times the budget: a target whose budget makes
// that more than every call could never page.
func objective(p *problems, path string, target *float64, window *string) Objective {
	longest := BurnRateWindows()[len(BurnRateWindows())-1].Long
	o := Objective{
		TargetPercent: p.percent(path+".target_percent", target),
		Window:        p.durationAtLeast(path+".window", window, longest),
	}
	if o.TargetPercent == 100 {
		p.add(path+".target_percent", "must be below 100: a target of 100 leaves no error budget to burn")
		o.TargetPercent = 0
	}
	fastest := BurnRateWindows()[0].Factor
	if least := math.Ceil((100-100/fastest)*100) / 100; o.TargetPercent > 0 && o.TargetPercent < least {
		p.add(path+".target_percent", "must be at least %s: below it a burn rate of %s× needs more than every call to be bad, and the fastest page could never fire",
			formatNumber(least), formatNumber(fastest))
		o.TargetPercent = 0
	}
	return o
}
