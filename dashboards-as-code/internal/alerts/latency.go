package alerts

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/alerting"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/dashboards/openairuntime"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/promexpr"
)

const uidHighLatency = "openai-high-latency"

// latencyRule fires when a model's latency quantile stays above the
// threshold. No traffic is no data (an empty result or NaN): OK.
func latencyRule(c config.Latency) spec {
	quantile := promexpr.PercentileName(c.Quantile)
	return spec{
		uid:       uidHighLatency,
		title:     "OpenAIHighLatency",
		severity:  SeverityWarning,
		query:     promexpr.LatencyQuantile(c.Quantile, promexpr.AllModels(), promexpr.Over(c.Window), m.LabelModel),
		lookback:  c.Window,
		compare:   above,
		threshold: c.ThresholdSeconds,
		pending:   c.For,
		noData:    alerting.RuleNoDataStateOK,
		execErr:   alerting.RuleExecErrStateError,
		summary:   "OpenAI requests are slow.",
		description: fmt.Sprintf(`The %s latency of OpenAI requests for model {{ $labels.model }} is {{ printf "%%.2f" $values.B.Value }}s over the last %s (above %ss for %s).`,
			quantile, formatDuration(c.Window), formatNumber(c.ThresholdSeconds), formatDuration(c.For)),
		panelID: openairuntime.PanelLatencyByModelTimeseries,
	}
}
