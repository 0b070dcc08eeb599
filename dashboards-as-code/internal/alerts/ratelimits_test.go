package alerts_test

import (
	"testing"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

func TestRateLimitHeadroomRule(t *testing.T) {
	rule := generatedRules(t)["OpenAIRateLimitHeadroomLow"]
	limits := func(requestsLeft, tokensLeft float64) []string {
		return []string{
			series(m.RateLimitRequestsRemaining, gauge(requestsLeft, 30), m.LabelModel, priced, m.LabelLimitType, m.LimitRequests),
			series(m.RateLimitRequestsLimit, gauge(1000, 30), m.LabelModel, priced, m.LabelLimitType, m.LimitRequests),
			series(m.RateLimitTokensRemaining, gauge(tokensLeft, 30), m.LabelModel, priced, m.LabelLimitType, m.LimitTokens),
			series(m.RateLimitTokensLimit, gauge(200000, 30), m.LabelModel, priced, m.LabelLimitType, m.LimitTokens),
		}
	}
	serving := requests(priced, 50, 0, 30)
	idle := []string{series(m.RequestsTotal, "1000x30", m.LabelModel, priced, m.LabelStatus, m.StatusSuccess)}
	requestsLimit := instance(m.LabelModel, priced, m.LabelLimitType, m.LimitRequests)
	tokensLimit := instance(m.LabelModel, priced, m.LabelLimitType, m.LimitTokens)

	tests := []struct {
		name     string
		series   []string
		from, to int
		want     []string
	}{
		{name: "5% of requests left fires for requests", series: append(limits(50, 150000), serving...), to: 10, want: []string{requestsLimit}},
		{name: "5% of tokens left fires for tokens", series: append(limits(900, 10000), serving...), to: 10, want: []string{tokensLimit}},
		{name: "both low fire both", series: append(limits(20, 1000), serving...), to: 10, want: []string{requestsLimit, tokensLimit}},
		{name: "50% left stays quiet", series: append(limits(500, 100000), serving...), to: 10},
		{name: "low for less than 2m is pending", series: append(limits(50, 150000), serving...), from: 9, to: 10},
		// The gauges keep the last headers when traffic stops.
		{name: "low but not serving stays quiet", series: append(limits(50, 10000), idle...), to: 10},
		{name: "no rate-limit headers is no data", series: serving, to: 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertFiring(t, rule, run(t, rule, storageOf(t, tt.series...), tt.from, tt.to), tt.want...)
		})
	}
}
