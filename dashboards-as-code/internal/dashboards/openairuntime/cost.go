package openairuntime

import (
	"fmt"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/promexpr"
)

// Today is the rolling last 24 hours, as in the budget alerts: PromQL has no
// calendar day (docs/runbooks.md#what-today-means).
const today = 24 * time.Hour

// costNote ends every cost panel's description.
const costNote = "Estimated from the backend's tokens at the list prices of dashboards-as-code/config.yaml: input not read from the prompt cache at the input price, cached input at the cached price, output (reasoning included) at the output price; Batch and Flex discounts are not counted. A dated snapshot without a line of its own is priced by its model's line."

func costRow(b *dashboard.DashboardBuilder, cfg config.Config) *dashboard.DashboardBuilder {
	prices := cfg.Pricing.Models
	return b.WithRow(dashboard.NewRowBuilder("Cost").Id(rowCost)).
		WithPanel(spendTodayStat(prices, cfg.Alerts.Budget)).
		WithPanel(spendTodayByModelBarGauge(prices)).
		WithPanel(unpricedTokensTimeseries(prices)).
		WithPanel(spendPerHourTimeseries(prices)).
		WithPanel(estimateVsBillTimeseries(prices)).
		WithPanel(billingGapTimeseries(prices, cfg.Alerts.Reconciliation)).
		WithPanel(billedTokensTable())
}

func spendTodayStat(prices []config.ModelPrice, budget config.Budget) *stat.PanelBuilder {
	return defaultStat().
		Id(PanelSpendTodayStat).
		Title("Estimated spend, last 24h").
		Description(fmt.Sprintf("Estimated OpenAI spend over the rolling last 24 hours, all selected models. Orange from $%s (OpenAIDailyBudgetNearlySpent), red from $%s, the daily budget (OpenAIDailyBudgetExceeded). %s",
			formatUSD(budget.WarningUSD()), formatUSD(budget.DailyUSD), costNote)).
		WithTarget(prometheusQuery("A", promexpr.SpendUSD(prices, scope(), promexpr.Over(today)), "Last 24h")).
		Height(8).
		Unit(unitUSD).
		Decimals(2).
		Thresholds(thresholds(colorOK, at(budget.WarningUSD(), colorWarning), at(budget.DailyUSD, colorCritical)))
}

func spendTodayByModelBarGauge(prices []config.ModelPrice) *bargauge.PanelBuilder {
	return defaultBarGauge().
		Id(PanelSpendTodayByModelBarGauge).
		Title("Estimated spend by model, last 24h").
		Description("Estimated OpenAI spend of each model over the rolling last 24 hours. " + costNote).
		WithTarget(instantQuery("A", promexpr.SpendUSD(prices, scope(), promexpr.Over(today), m.LabelModel), legend(m.LabelModel))).
		Span(8).
		Unit(unitUSD).
		Decimals(2).
		Min(0).
		ColorScheme(dashboard.NewFieldColorBuilder().Mode(dashboard.FieldColorModeIdPaletteClassic))
}

func spendPerHourTimeseries(prices []config.ModelPrice) *timeseries.PanelBuilder {
	return defaultTimeseries().
		Id(PanelSpendPerHourTimeseries).
		Title("Estimated spend per hour").
		Description("Estimated OpenAI spend of each model in each hour, stacked. " + costNote).
		WithTarget(prometheusQuery("A", promexpr.SpendUSD(prices, scope(), promexpr.Over(time.Hour), m.LabelModel), legend(m.LabelModel))).
		Interval("1h").
		Span(24).
		Unit(unitUSD).
		Decimals(2).
		DrawStyle(common.GraphDrawStyleBars).
		FillOpacity(80).
		Stacking(common.NewStackingConfigBuilder().Mode(common.StackingModeNormal).Group("A"))
}

func unpricedTokensTimeseries(prices []config.ModelPrice) *timeseries.PanelBuilder {
	return defaultTimeseries().
		Id(PanelUnpricedTokensTimeseries).
		Title("Tokens of unpriced models").
		Description("Input and output tokens per minute of the models that no line of the price table of dashboards-as-code/config.yaml prices (a dated snapshot such as gpt-4o-mini-2024-07-18 is priced by its model's line). Their spend counts 0 above, so this panel should stay empty; OpenAIUnpricedModel fires when it is not.").
		WithTarget(prometheusQuery("A", promexpr.UnpricedTokensPerMinute(prices, scope(), window, m.LabelModel), legend(m.LabelModel))).
		Span(10).
		Unit(unitTokensPerMinute).
		NoValue("Every model has a price")
}

// formatUSD writes an amount with cents.
func formatUSD(usd float64) string { return fmt.Sprintf("%.2f", usd) }
