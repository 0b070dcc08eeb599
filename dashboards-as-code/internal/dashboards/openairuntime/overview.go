package openairuntime

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/stat"

	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/promexpr"
)

func overviewRow(b *dashboard.DashboardBuilder, cfg config.Config) *dashboard.DashboardBuilder {
	return b.WithRow(dashboard.NewRowBuilder("Overview").Id(rowOverview)).
		WithPanel(requestRateStat()).
		WithPanel(latencyStat(cfg.Alerts.Latency)).
		WithPanel(errorPercentStat(cfg.Alerts.ErrorRate)).
		WithPanel(tokensStat())
}

func requestRateStat() *stat.PanelBuilder {
	return defaultStat().
		Id(PanelRequestRateStat).
		Title("Requests/s").
		Description("OpenAI API requests per second, every attempt, successful or not.").
		WithTarget(prometheusQuery("A", promexpr.RequestRate(scope(), window), "Requests/s")).
		Unit(unitRequestsPerSecond).
		Decimals(2).
		ColorMode(common.BigValueColorModeNone).
		Thresholds(thresholds(colorNeutral))
}

func latencyStat(l config.Latency) *stat.PanelBuilder {
	name := promexpr.PercentileName(l.Quantile)
	return defaultStat().
		Id(PanelLatencyStat).
		Title(name + " latency").
		Description(fmt.Sprintf("%s duration of OpenAI API requests, all models and outcomes.%s Red from %ss, where OpenAIHighLatency fires (per model, after %s).",
			name, mixedCalls, formatNumber(l.ThresholdSeconds), formatDuration(l.For))).
		WithTarget(prometheusQuery("A", promexpr.LatencyQuantile(l.Quantile, scope(), window), name)).
		Unit(unitSeconds).
		Decimals(2).
		Thresholds(thresholds(colorOK, at(l.ThresholdSeconds, colorCritical)))
}

func errorPercentStat(e config.ErrorRate) *stat.PanelBuilder {
	return defaultStat().
		Id(PanelErrorPercentStat).
		Title("Error %").
		Description(fmt.Sprintf("Share of OpenAI API requests that failed, out of those OpenAI answered: a call the client cancelled counts neither way. 0 when requests succeed and none fail; no data when there is no traffic. Orange from %s%%, red from %s%%: the thresholds of OpenAIHighErrorRate and OpenAIHighErrorRateCritical.",
			formatNumber(e.WarningPercent), formatNumber(e.CriticalPercent))).
		WithTarget(prometheusQuery("A", promexpr.ErrorPercent(scope(), window), "Error %")).
		Unit(unitPercent).
		Decimals(1).
		Min(0).
		Thresholds(thresholds(colorOK, at(e.WarningPercent, colorWarning), at(e.CriticalPercent, colorCritical)))
}

func tokensStat() *stat.PanelBuilder {
	return defaultStat().
		Id(PanelTokensStat).
		Title("Tokens/min").
		Description("Input plus output tokens per minute, from the usage OpenAI reports in its responses.").
		WithTarget(prometheusQuery("A", promexpr.TokensPerMinute(scope(), window), "Tokens/min")).
		Unit(unitTokensPerMinute).
		ColorMode(common.BigValueColorModeNone).
		Thresholds(thresholds(colorNeutral))
}
