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
		WithPanel(tokensByModelTimeseries()).
		WithPanel(cacheHitTimeseries()).
		WithPanel(reasoningShareTimeseries())
}

func tokensByTypeTimeseries() *timeseries.PanelBuilder {
	return defaultTimeseries().
		Id(PanelTokensByTypeTimeseries).
		Title("Token rate by type").
		Description("Input (prompt) and output (completion) tokens per minute, stacked: the top of the stack is the total. Cached input is a part of input and reasoning a part of output: they are not stacked again, see the cache hit and reasoning panels.").
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
		Description("Input plus output tokens per minute by model (cached input and reasoning are parts of them).").
		WithTarget(prometheusQuery("A",
			promexpr.TokensPerMinute(scope(), window, m.LabelModel),
			legend(m.LabelModel))).
		Unit(unitTokensPerMinute)
}

func cacheHitTimeseries() *timeseries.PanelBuilder {
	return tokenShareTimeseries(PanelCacheHitTimeseries, promexpr.CacheHitPercent(scope(), window, m.LabelModel)).
		Title("Prompt cache hit ratio by model").
		Description("Share of each model's input tokens that OpenAI read from its prompt cache (cached_input / input), billed at the cached-input price. Caching applies to prompts from 1024 tokens that repeat a recent prefix; a drop raises the spend at equal traffic. No value while a model uses no input tokens.")
}

func reasoningShareTimeseries() *timeseries.PanelBuilder {
	return tokenShareTimeseries(PanelReasoningShareTimeseries, promexpr.ReasoningPercent(scope(), window, m.LabelModel)).
		Title("Reasoning share of output by model").
		Description("Share of each model's output tokens that a reasoning model spent thinking (reasoning / output). They are billed as output tokens and never shown in the answer; 0 for models that do not reason, no value while a model produces no output.")
}

// tokenShareTimeseries graphs a part of a token type as a percentage of it,
// by model.
func tokenShareTimeseries(id uint32, expr string) *timeseries.PanelBuilder {
	return defaultTimeseries().
		Id(id).
		WithTarget(prometheusQuery("A", expr, legend(m.LabelModel))).
		Unit(unitPercent).
		Max(100)
}
