package promexpr

import (
	"strings"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// An SLI is the share of bad calls of an objective over a window, as a
// ratio (0.01 is 1 %). Cancelled calls count in no SLI. Every SLI is NaN
// while calls were counted before but none in the window (0 / 0), and
// nothing before any call.
type SLI func(sc Scope, w Window) string

// AvailabilityErrorRatio is the availability SLI: failed calls out of the
// calls OpenAI answered. It reads 0, not nothing, while calls succeed and
// none fails (the error series may not exist yet).
func AvailabilityErrorRatio(sc Scope, w Window) string {
	total := aggregate("sum", nil, rate(answeredRequests(sc), w))
	return "(" + aggregate("sum", nil, rate(failedRequests(sc), w)) + " or 0 * " + total + ") / " + total
}

// LatencyErrorRatio is the latency SLI with a threshold in seconds, a
// bucket boundary of both histograms it reads: the share of successful
// calls slower than it, a streamed call by its time to first token, a plain
// call by its duration. Both histograms' series carry their stream label,
// so `or` joins them without overlap, and either may be missing.
func LatencyErrorRatio(thresholdSeconds float64) SLI {
	return func(sc Scope, w Window) string {
		// calls selects the successful calls of one histogram and stream
		// value: all of them (its count), or the fast ones (its bucket).
		calls := func(histogram, stream string, fast bool) string {
			s := Series(m.Count(histogram))
			if fast {
				s = Series(m.Bucket(histogram)).In(m.LabelBucket, bucketLabels(thresholdSeconds)...)
			}
			return rate(s.Eq(m.LabelStream, stream).Eq(m.LabelStatus, m.StatusSuccess).in(sc), w)
		}
		both := func(fast bool) string {
			return aggregate("sum", nil, calls(m.TimeToFirstTokenSeconds, m.StreamTrue, fast)+" or "+
				calls(m.RequestDurationSeconds, m.StreamFalse, fast))
		}
		return "1 - " + both(true) + " / " + both(false)
	}
}

// bucketLabels are the le values a bucket bound may be stored under: the
// OTLP translation of Prometheus and Mimir writes 2 for a bound of 2, a
// scrape by Prometheus 3 writes 2.0.
func bucketLabels(bound float64) []string {
	text := number(bound)
	if strings.ContainsAny(text, ".e") {
		return []string{text}
	}
	return []string{text, text + ".0"}
}

// BurnRate is how fast an objective spends its error budget over w: the SLI
// divided by the budget (1 - target, as a ratio). 1 spends the budget in
// exactly the objective's window.
func BurnRate(sli SLI, budget float64, sc Scope, w Window) string {
	return "(" + sli(sc, w) + ") / " + number(budget)
}

// BurnRateOfBoth is the lower of the burn rates over a long and a short
// window: it exceeds a factor exactly when both do, the condition of a
// multiwindow burn-rate alert. While the short window saw no call it is
// NaN.
func BurnRateOfBoth(sli SLI, budget float64, sc Scope, long, short Window) string {
	l, s := BurnRate(sli, budget, sc, long), BurnRate(sli, budget, sc, short)
	return "(" + l + " <= " + s + ") or " + s
}

// CompliancePercent is the share of good calls over w, in percent.
func CompliancePercent(sli SLI, sc Scope, w Window) string {
	return "100 * (1 - (" + sli(sc, w) + "))"
}

// BudgetRemainingPercent is the share of the error budget not spent over w,
// in percent: 100 with no bad call, 0 when the SLI equals the budget, below
// 0 once the objective is missed.
func BudgetRemainingPercent(sli SLI, budget float64, sc Scope, w Window) string {
	return "100 * (1 - " + BurnRate(sli, budget, sc, w) + ")"
}

// Constant is a number as a query, such as an objective's target on a stat.
func Constant(v float64) string { return "vector(" + number(v) + ")" }
