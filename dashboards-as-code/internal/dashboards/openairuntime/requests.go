package openairuntime

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/promexpr"
)

func requestsRow(b *dashboard.DashboardBuilder, cfg config.Config) *dashboard.DashboardBuilder {
	return b.WithRow(dashboard.NewRowBuilder("Request & Error Rates").Id(rowRequests)).
		WithPanel(requestRateTimeseries()).
		WithPanel(errorsByTypeTimeseries()).
		WithPanel(errorPercentTimeseries(cfg.Alerts.ErrorRate))
}

func requestRateTimeseries() *timeseries.PanelBuilder {
	return defaultTimeseries().
		Id(PanelRequestRateTimeseries).
		Title("Request rate by model and status").
		Description("OpenAI API requests per second by model and outcome: success, error, or cancelled (the client went away mid-stream; not an OpenAI failure).").
		WithTarget(prometheusQuery("A",
			promexpr.RequestRate(scope(), window, m.LabelModel, m.LabelStatus),
			legend(m.LabelModel, m.LabelStatus))).
		Span(8).
		Unit(unitRequestsPerSecond)
}

func errorsByTypeTimeseries() *timeseries.PanelBuilder {
	return defaultTimeseries().
		Id(PanelErrorsByTypeTimeseries).
		Title("Errors by type").
		Description("Failed OpenAI API requests per second by cause: UNAUTHORIZED (key rejected, 401/403), RATE_LIMITED (429), PROVIDER_UNAVAILABLE (5xx, connection failure or timeout), PROVIDER_ERROR (anything else, such as a 400).").
		WithTarget(prometheusQuery("A",
			promexpr.ErrorRate(scope(), window, m.LabelErrorType),
			legend(m.LabelErrorType))).
		Span(8).
		Unit(unitRequestsPerSecond)
}

func errorPercentTimeseries(e config.ErrorRate) *timeseries.PanelBuilder {
	return defaultTimeseries().
		Id(PanelErrorPercentTimeseries).
		Title("Error % by model").
		Description(fmt.Sprintf("Share of each model's requests that failed, out of those OpenAI answered (cancelled calls count neither way). Dashed lines: %s%% (OpenAIHighErrorRate) and %s%% (OpenAIHighErrorRateCritical); the alerts compute it over %s.",
			formatNumber(e.WarningPercent), formatNumber(e.CriticalPercent), formatDuration(e.Window))).
		WithTarget(prometheusQuery("A",
			promexpr.ErrorPercent(scope(), window, m.LabelModel),
			legend(m.LabelModel))).
		Span(8).
		Unit(unitPercent).
		Thresholds(thresholds(colorOK, at(e.WarningPercent, colorWarning), at(e.CriticalPercent, colorCritical))).
		ThresholdsStyle(thresholdLines())
}
