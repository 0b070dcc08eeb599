package alerts

import (
	"fmt"
	"strings"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/alerting"

	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/dashboards/openairuntime"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/promexpr"
)

// objective is what the burn-rate rules of one SLO need.
type objective struct {
	// name titles the rules (OpenAI<name>BurnRate1h) and prefixes their uids.
	name string
	// what says in a description what the objective counts.
	what   string
	target float64
	window time.Duration
	budget float64
	sli    promexpr.SLI
	// panels are the dashboard's burn-rate stats, one per burn-rate window.
	panels []uint32
}

func objectives(s config.SLOs) []objective {
	return []objective{
		{
			name: "Availability", what: "OpenAI API calls that succeed",
			target: s.Availability.TargetPercent, window: s.Availability.Window, budget: s.Availability.ErrorBudget(),
			sli: promexpr.AvailabilityErrorRatio, panels: openairuntime.AvailabilityBurnRatePanels(),
		},
		{
			name: "Latency", what: fmt.Sprintf("successful OpenAI API calls faster than %ss (first token of a stream, whole answer otherwise)",
				formatNumber(s.Latency.ThresholdSeconds)),
			target: s.Latency.TargetPercent, window: s.Latency.Window, budget: s.Latency.ErrorBudget(),
			sli: promexpr.LatencyErrorRatio(s.Latency.ThresholdSeconds), panels: openairuntime.LatencyBurnRatePanels(),
		},
	}
}

// burnRateRules are the multiwindow, multi-burn-rate alerts of every
// objective: each fires while the lower of its two windows' burn rates is
// above its factor, at once (the short window already confirms the burn).
// The objectives are the service's, all models together: one instance per
// rule. No traffic in the short window is NaN, no traffic at all no data:
// both OK.
func burnRateRules(s config.SLOs) []spec {
	var out []spec
	for _, o := range objectives(s) {
		for i, w := range config.BurnRateWindows() {
			severity, action := SeverityWarning, "opens a ticket"
			if w.Page {
				severity, action = SeverityCritical, "pages"
			}
			long, short := formatDuration(w.Long), formatDuration(w.Short)
			out = append(out, spec{
				uid:      "openai-" + strings.ToLower(o.name) + "-burn-rate-" + long,
				title:    openairuntime.BurnRateAlertTitle(o.name, w),
				severity: severity,
				query: promexpr.BurnRateOfBoth(o.sli, o.budget, promexpr.AllModels(),
					promexpr.Over(w.Long), promexpr.Over(w.Short)),
				lookback:  w.Long,
				compare:   above,
				threshold: w.Factor,
				noData:    alerting.RuleNoDataStateOK,
				execErr:   alerting.RuleExecErrStateError,
				summary:   fmt.Sprintf("The OpenAI %s error budget is being spent too fast.", strings.ToLower(o.name)),
				description: fmt.Sprintf(`The %s objective (%s%% of %s, over %s) spends its error budget {{ printf "%%.1f" $values.B.Value }} times as fast as it may, over both the last %s and the last %s; this rule %s above %s×.`,
					strings.ToLower(o.name), formatNumber(o.target), o.what, formatDuration(o.window),
					long, short, action, formatNumber(w.Factor)),
				panelID: o.panels[i],
			})
		}
	}
	return out
}
