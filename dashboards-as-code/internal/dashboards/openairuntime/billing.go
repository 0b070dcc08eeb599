package openairuntime

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/promexpr"
)

// The Cost row's reconciliation panels compare the estimate of the last
// complete UTC day with what OpenAI billed for it, as the billing exporter
// reports it. They show the days of the last week, whatever the dashboard's
// time range: one value a day changes only at midnight and when the bill is
// published.
const (
	billingTimeFrom = "7d"
	billingInterval = "1h"
)

// billingNote ends the description of every reconciliation panel.
const billingNote = "All models, whatever $model picks: the bill is the organisation's. Empty unless the billing exporter (backend/cmd/openai-billing, with an OpenAI admin key) runs, and in the hours after midnight until OpenAI's numbers for the day are published. See docs/runbooks.md#openaibillingmismatch."

func estimateVsBillTimeseries(prices []config.ModelPrice) *timeseries.PanelBuilder {
	return defaultTimeseries().
		Id(PanelEstimateVsBillTimeseries).
		Title("Estimated vs billed, last complete UTC day").
		Description("At each time, the last complete UTC day (the one that ended at the last midnight UTC): the spend estimated from the backend's tokens at the prices of dashboards-as-code/config.yaml, beside what OpenAI's Costs API billed for that day. The lines step at midnight and when the bill arrives. " + billingNote).
		WithTarget(prometheusQuery("A", promexpr.LastDayEstimateUSD(prices), "Estimated")).
		WithTarget(prometheusQuery("B", promexpr.LastDayBilledUSD(), "Billed by OpenAI")).
		TimeFrom(billingTimeFrom).
		Interval(billingInterval).
		Span(12).
		Unit(unitUSD).
		Decimals(2).
		LineInterpolation(common.LineInterpolationStepAfter)
}

func billingGapTimeseries(prices []config.ModelPrice, r config.Reconciliation) *timeseries.PanelBuilder {
	return defaultTimeseries().
		Id(PanelBillingGapTimeseries).
		Title("Estimate vs bill gap %, last complete UTC day").
		Description(fmt.Sprintf("100 × (estimated − billed) / billed for the last complete UTC day: above 0 the estimate is higher than the bill, below 0 lower. Red beyond ±%s%%, where OpenAIBillingMismatch fires (after %s). The tokens table below tells stale prices (its tokens agree) from traffic that bypasses the backend (OpenAI counted more). %s",
			formatNumber(r.MaxGapPercent), formatDuration(r.For), billingNote)).
		WithTarget(prometheusQuery("A", promexpr.LastDayGapPercent(prices), "Gap %")).
		TimeFrom(billingTimeFrom).
		Interval(billingInterval).
		Span(12).
		Unit(unitPercent).
		Decimals(1).
		// The estimate is never below 0: the gap never below -100 %.
		Min(-100).
		LineInterpolation(common.LineInterpolationStepAfter).
		Thresholds(thresholds(colorCritical, at(-r.MaxGapPercent, colorOK), at(r.MaxGapPercent, colorCritical))).
		ThresholdsStyle(thresholdLines())
}

// Columns of the tokens table.
const (
	columnBilled   = "Billed by OpenAI"
	columnObserved = "Counted by the backend"
	columnGap      = "Gap %"
)

func billedTokensTable() *table.PanelBuilder {
	query := func(refID, expr string) *prometheus.DataqueryBuilder {
		return instantQuery(refID, expr, legend(m.LabelModel, m.LabelTokenType)).Format(prometheus.PromQueryFormatTable)
	}
	// Each instant query is a frame with a Value #<refId> column; merge
	// joins them on model and token type, organize names the columns.
	organize := map[string]any{
		"excludeByName": map[string]bool{"Time": true},
		"renameByName": map[string]string{
			"Value #A": columnBilled, "Value #B": columnObserved, "Value #C": columnGap,
			m.LabelModel: "Model", m.LabelTokenType: "Token type",
		},
		"indexByName": map[string]int{m.LabelModel: 0, m.LabelTokenType: 1, "Value #A": 2, "Value #B": 3, "Value #C": 4},
	}
	return table.NewPanelBuilder().
		Id(PanelBilledTokensTable).
		Title("Billed vs counted tokens, last complete UTC day").
		Description("For the last complete UTC day, by model and token type: the tokens OpenAI's Usage API counted (models by their dated snapshot, counted under the model: gpt-4o-mini-2024-07-18 as gpt-4o-mini) beside the tokens the backend counted, and the gap in percent of OpenAI's. Input includes cached input. Tokens that agree while the cost does not point at stale prices in dashboards-as-code/config.yaml; OpenAI counting more (a gap below 0) points at traffic that bypasses the backend. "+billingNote).
		Datasource(datasource()).
		WithTarget(query("A", promexpr.LastDayBilledTokens())).
		WithTarget(query("B", promexpr.LastDayObservedTokens())).
		WithTarget(query("C", promexpr.LastDayTokenGapPercent())).
		WithTransformation(dashboard.DataTransformerConfig{Id: "merge", Options: map[string]any{}}).
		WithTransformation(dashboard.DataTransformerConfig{Id: "organize", Options: organize}).
		Height(10).
		Span(24).
		Unit(unitTokens).
		OverrideByName(columnGap, []dashboard.DynamicConfigValue{{Id: "unit", Value: unitPercent}, {Id: "decimals", Value: 1}}).
		ShowHeader(true).
		Footer(common.NewTableFooterOptionsBuilder().Show(false)).
		SortBy([]cog.Builder[common.TableSortByFieldState]{
			common.NewTableSortByFieldStateBuilder().DisplayName(columnBilled).Desc(true),
		})
}
