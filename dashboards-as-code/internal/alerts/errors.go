package alerts

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/alerting"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/dashboards/openairuntime"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/promexpr"
)

const (
	uidHighErrorRate         = "openai-high-error-rate"
	uidHighErrorRateCritical = "openai-high-error-rate-critical"
)

// errorRateRules fire when a model's share of failed requests stays above
// the warning, and the critical, percentage. No traffic is no data: OK.
func errorRateRules(c config.ErrorRate) []spec {
	rule := func(uid, title, severity, summary string, percent float64) spec {
		return spec{
			uid:       uid,
			title:     title,
			severity:  severity,
			query:     promexpr.ErrorPercent(promexpr.AllModels(), promexpr.Over(c.Window), m.LabelModel),
			lookback:  c.Window,
			compare:   above,
			threshold: percent,
			pending:   c.For,
			noData:    alerting.RuleNoDataStateOK,
			execErr:   alerting.RuleExecErrStateError,
			summary:   summary,
			description: fmt.Sprintf(`{{ printf "%%.1f" $values.B.Value }}%% of the OpenAI requests for model {{ $labels.model }} failed over the last %s (%s above %s%% for %s).`,
				formatDuration(c.Window), severity, formatNumber(percent), formatDuration(c.For)),
			panelID: openairuntime.PanelErrorPercentTimeseries,
		}
	}
	return []spec{
		rule(uidHighErrorRate, "OpenAIHighErrorRate", SeverityWarning,
			"OpenAI requests are failing.", c.WarningPercent),
		rule(uidHighErrorRateCritical, "OpenAIHighErrorRateCritical", SeverityCritical,
			"A large share of OpenAI requests is failing.", c.CriticalPercent),
	}
}
