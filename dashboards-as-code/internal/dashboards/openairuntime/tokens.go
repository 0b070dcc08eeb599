package openairuntime

import (
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/promexpr"
)

func tokensRow(b *dashboard.DashboardBuilder) *dashboard.DashboardBuilder {
	return b.WithRow(dashboard.NewRowBuilder("Token Usage").Id(rowTokens)).
		WithPanel(tokensByTypeTimeseries()).
		WithPanel(tokensByModelTimeseries())
}

func tokensByTypeTimeseries() *timeseries.PanelBuilder {
	return defaultTimeseries().
		Id(PanelTokensByTypeTimeseries).
		Title("Token rate by type").
		Description("Input (prompt) and output (completion) tokens per minute, stacked: the top of the stack is the total.").
		WithTarget(prometheusQuery("A",
			promexpr.TokensPerMinute(scope(), window, m.LabelTokenType),
			legend(m.LabelTokenType))).
		Unit(unitTokensPerMinute).
		FillOpacity(40).
		Stacking(common.NewStackingConfigBuilder().Mode(common.StackingModeNormal).Group("A"))
}

func tokensByModelTimeseries() *timeseries.PanelBuilder {
	return defaultTimeseries().
		Id(PanelTokensByModelTimeseries).
		Title("Token rate by model").
		Description("Input plus output tokens per minute by model.").
		WithTarget(prometheusQuery("A",
			promexpr.TokensPerMinute(scope(), window, m.LabelModel),
			legend(m.LabelModel))).
		Unit(unitTokensPerMinute)
}
