package alerts

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/alerting"

	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/dashboards/openairuntime"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/promexpr"
)

const uidRateLimitHeadroomLow = "openai-rate-limit-headroom-low"

// headroomRule fires when a model that is serving requests has little left of
// its request or token rate limit. One instance per model and limit type.
// Without traffic or rate-limit headers there is no data: OK.
func headroomRule(c config.RateLimitHeadroom) spec {
	return spec{
		uid:       uidRateLimitHeadroomLow,
		title:     "OpenAIRateLimitHeadroomLow",
		severity:  SeverityWarning,
		query:     promexpr.RateLimitHeadroomPercentWhileServing(promexpr.AllModels(), promexpr.Over(c.TrafficWindow)),
		lookback:  c.TrafficWindow,
		compare:   below,
		threshold: c.MinPercent,
		pending:   c.For,
		noData:    alerting.RuleNoDataStateOK,
		execErr:   alerting.RuleExecErrStateError,
		summary:   "An OpenAI rate limit is nearly exhausted.",
		description: fmt.Sprintf(`Only {{ printf "%%.1f" $values.B.Value }}%% of the OpenAI {{ $labels.limit_type }} rate limit is left for model {{ $labels.model }} (below %s%% for %s); requests will be refused with 429 when it runs out.`,
			formatNumber(c.MinPercent), formatDuration(c.For)),
		panelID: openairuntime.PanelHeadroomTimeseries,
	}
}
