package promexpr

import (
	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// Limit is one of OpenAI's rate limits: on requests or on tokens.
type Limit struct {
	remaining, limit, reset string
}

// RequestLimit is the limit on requests per window.
func RequestLimit() Limit {
	return Limit{m.RateLimitRequestsRemaining, m.RateLimitRequestsLimit, m.RateLimitRequestsResetSeconds}
}

// TokenLimit is the limit on tokens per window.
func TokenLimit() Limit {
	return Limit{m.RateLimitTokensRemaining, m.RateLimitTokensLimit, m.RateLimitTokensResetSeconds}
}

// byModelAndLimit groups rate-limit series: one per model and limit type.
func byModelAndLimit() []string { return []string{m.LabelModel, m.LabelLimitType} }

// RateLimitRemaining is what is left of a limit in its current window, the
// lowest value any backend instance saw last.
func RateLimitRemaining(l Limit, sc Scope, by ...string) string {
	return aggregate("min", by, Series(l.remaining).in(sc).String())
}

// RateLimitHeadroomPercent is 100 * remaining / limit of the request and
// token limits, per model and limit type, the lowest of any instance.
func RateLimitHeadroomPercent(sc Scope) string {
	ratio := func(l Limit) string {
		return Series(l.remaining).in(sc).String() + " / " + Series(l.limit).in(sc).String()
	}
	return "100 * " + aggregate("min", byModelAndLimit(), ratio(RequestLimit())+" or "+ratio(TokenLimit()))
}

// RateLimitHeadroomPercentWhileServing is RateLimitHeadroomPercent for the
// models that served requests within w only. The gauges keep their last value
// when traffic stops; a stale low headroom is no reason to page.
func RateLimitHeadroomPercentWhileServing(sc Scope, w Window) string {
	return RateLimitHeadroomPercent(sc) + " and on (" + m.LabelModel + ") (" + RequestRate(sc, w, m.LabelModel) + " > 0)"
}

// RateLimitResetSeconds is the time until the request and token windows
// reset, per model and limit type, the longest any instance reported.
func RateLimitResetSeconds(sc Scope) string {
	return aggregate("max", byModelAndLimit(),
		Series(RequestLimit().reset).in(sc).String()+" or "+Series(TokenLimit().reset).in(sc).String())
}
