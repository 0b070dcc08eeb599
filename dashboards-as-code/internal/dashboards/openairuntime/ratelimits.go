package openairuntime

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/promexpr"
)

func rateLimitsRow(b *dashboard.DashboardBuilder, cfg config.Config) *dashboard.DashboardBuilder {
	return b.WithRow(dashboard.NewRowBuilder("Rate Limits").Id(rowRateLimits)).
		WithPanel(remainingRequestsTimeseries()).
		WithPanel(remainingTokensTimeseries()).
		WithPanel(headroomTimeseries(cfg.Alerts.RateLimitHeadroom)).
		WithPanel(resetTimeseries())
}

func remainingRequestsTimeseries() *timeseries.PanelBuilder {
	return defaultTimeseries().
		Id(PanelRemainingRequestsTimeseries).
		Title("Remaining requests").
		Description("Requests left in OpenAI's current rate-limit window (x-ratelimit-remaining-requests of the last response), the lowest any backend instance saw. Keeps its last value while there is no traffic.").
		WithTarget(prometheusQuery("A",
			promexpr.RateLimitRemaining(promexpr.RequestLimit(), scope(), m.LabelModel),
			legend(m.LabelModel))).
		Span(6).
		Unit(unitRequests)
}

func remainingTokensTimeseries() *timeseries.PanelBuilder {
	return defaultTimeseries().
		Id(PanelRemainingTokensTimeseries).
		Title("Remaining tokens").
		Description("Tokens left in OpenAI's current rate-limit window (x-ratelimit-remaining-tokens of the last response), the lowest any backend instance saw. Keeps its last value while there is no traffic.").
		WithTarget(prometheusQuery("A",
			promexpr.RateLimitRemaining(promexpr.TokenLimit(), scope(), m.LabelModel),
			legend(m.LabelModel))).
		Span(6).
		Unit(unitTokens)
}

func headroomTimeseries(h config.RateLimitHeadroom) *timeseries.PanelBuilder {
	return defaultTimeseries().
		Id(PanelHeadroomTimeseries).
		Title("Rate-limit headroom").
		Description(fmt.Sprintf("Remaining / limit of the request and token rate limits, per model. Below %s%% (dashed line) for %s while the model serves requests, OpenAIRateLimitHeadroomLow fires; at 0 OpenAI answers 429 until the window resets.",
			formatNumber(h.MinPercent), formatDuration(h.For))).
		WithTarget(prometheusQuery("A",
			promexpr.RateLimitHeadroomPercent(scope()),
			legend(m.LabelModel, m.LabelLimitType))).
		Span(6).
		Unit(unitPercent).
		Max(100).
		Thresholds(thresholds(colorCritical, at(h.MinPercent, colorOK))).
		ThresholdsStyle(thresholdLines())
}

func resetTimeseries() *timeseries.PanelBuilder {
	return defaultTimeseries().
		Id(PanelResetTimeseries).
		Title("Time to reset").
		Description("Time until OpenAI's request and token rate-limit windows reset and the remaining count returns to the limit (x-ratelimit-reset-requests and -tokens), the longest any instance reported.").
		WithTarget(prometheusQuery("A",
			promexpr.RateLimitResetSeconds(scope()),
			legend(m.LabelModel, m.LabelLimitType))).
		Span(6).
		Unit(unitSeconds)
}
