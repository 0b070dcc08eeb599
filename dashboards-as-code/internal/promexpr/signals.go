package promexpr

import (
	"math"
	"strconv"
	"strings"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// requests selects the request counter.
func requests(sc Scope) Selector { return Series(m.RequestsTotal).in(sc) }

// failedRequests selects the requests that failed, of every error type.
func failedRequests(sc Scope) Selector {
	return Series(m.RequestsTotal).Eq(m.LabelStatus, m.StatusError).in(sc)
}

// answeredRequests selects the requests OpenAI answered, successfully or
// not: every status but cancelled, a call the client gave up on, which is
// neither a success nor a failure of OpenAI's.
func answeredRequests(sc Scope) Selector {
	return Series(m.RequestsTotal).In(m.LabelStatus, m.StatusSuccess, m.StatusError).in(sc)
}

// inputAndOutputTokens selects input and output tokens, every token once:
// the total token type is their sum, cached_input a part of input and
// reasoning a part of output (openaimetrics.TokenPartOf).
func inputAndOutputTokens(sc Scope) Selector {
	return Series(m.TokensTotal).In(m.LabelTokenType, m.TokenInput, m.TokenOutput).in(sc)
}

// RequestRate is requests per second.
func RequestRate(sc Scope, w Window, by ...string) string {
	return aggregate("sum", by, rate(requests(sc), w))
}

// ErrorRate is failed requests per second.
func ErrorRate(sc Scope, w Window, by ...string) string {
	return aggregate("sum", by, rate(failedRequests(sc), w))
}

// ErrorPercent is the percentage of answered requests that failed; cancelled
// ones count neither way. It reads 0, not nothing, when requests were served
// and none failed (the error series may not exist yet), and nothing when no
// request was served.
func ErrorPercent(sc Scope, w Window, by ...string) string {
	total := aggregate("sum", by, rate(answeredRequests(sc), w))
	return "100 * (" + ErrorRate(sc, w, by...) + " or 0 * " + total + ") / (" + total + " > 0)"
}

// LatencyQuantile is the q-quantile of request duration in seconds, from the
// histogram buckets: streamed and plain calls alike, a streamed one to its
// last chunk.
func LatencyQuantile(q float64, sc Scope, w Window, by ...string) string {
	return quantile(q, Series(m.Bucket(m.RequestDurationSeconds)).in(sc), w, by)
}

// FirstTokenQuantile is the q-quantile of streamed calls' time to first
// token in seconds, from its histogram buckets.
func FirstTokenQuantile(q float64, sc Scope, w Window, by ...string) string {
	return quantile(q, Series(m.Bucket(m.TimeToFirstTokenSeconds)).Eq(m.LabelStream, m.StreamTrue).in(sc), w, by)
}

// quantile is the q-quantile of a histogram from its buckets, grouped by
// labels besides le.
func quantile(q float64, buckets Selector, w Window, by []string) string {
	grouping := append([]string{m.LabelBucket}, by...)
	return "histogram_quantile(" + number(q) + ", " + aggregate("sum", grouping, rate(buckets, w)) + ")"
}

// PercentileName names a quantile as a percentile: 0.95 is p95, 0.999 p99.9.
func PercentileName(q float64) string {
	return "p" + number(math.Round(q*100*1000)/1000)
}

// TokensPerMinute is input plus output tokens per minute: every token once.
func TokensPerMinute(sc Scope, w Window, by ...string) string {
	return "60 * " + aggregate("sum", by, rate(inputAndOutputTokens(sc), w))
}

// CacheHitPercent is the prompt cache's hit ratio: the share of input
// tokens read from OpenAI's prompt cache, 100 × cached_input / input over w.
func CacheHitPercent(sc Scope, w Window, by ...string) string {
	return partPercent(m.TokenCachedInput, m.TokenInput, sc, w, by)
}

// ReasoningPercent is the share of output tokens a reasoning model spent
// thinking, 100 × reasoning / output over w.
func ReasoningPercent(sc Scope, w Window, by ...string) string {
	return partPercent(m.TokenReasoning, m.TokenOutput, sc, w, by)
}

// partPercent is 100 × part / whole. Like a latency quantile without
// requests, it is NaN (no value on a graph) while no token of the whole
// flows, 0 / 0; it reads nothing for a backend that does not record the
// part. The backend never counts a part above its whole.
func partPercent(part, whole string, sc Scope, w Window, by []string) string {
	tokens := func(tokenType string) string {
		return aggregate("sum", by, rate(Series(m.TokensTotal).Eq(m.LabelTokenType, tokenType).in(sc), w))
	}
	return "100 * " + tokens(part) + " / " + tokens(whole)
}

// LabelValues is a Grafana variable query that lists the values of a label
// on the series of a metric.
func LabelValues(metric, label string) string {
	return "label_values(" + metric + ", " + label + ")"
}

// aggregate applies an aggregation operator, grouped by labels when given.
func aggregate(op string, by []string, expr string) string {
	if len(by) == 0 {
		return op + "(" + expr + ")"
	}
	return op + " by (" + strings.Join(by, ", ") + ") (" + expr + ")"
}

func rate(s Selector, w Window) string { return "rate(" + s.String() + "[" + string(w) + "])" }

func increase(s Selector, w Window) string {
	return "increase(" + s.String() + "[" + string(w) + "])"
}

// number formats a float as a PromQL literal, without exponent.
func number(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
