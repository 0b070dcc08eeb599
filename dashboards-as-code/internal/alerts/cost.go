package alerts

import (
	"fmt"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/alerting"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/dashboards/openairuntime"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/promexpr"
)

const (
	uidDailyBudgetNearlySpent = "openai-daily-budget-nearly-spent"
	uidDailyBudgetExceeded    = "openai-daily-budget-exceeded"
	uidUnpricedModel          = "openai-unpriced-model"
	uidBillingMismatch        = "openai-billing-mismatch"
)

// day is what "today" means for the budget: the rolling last 24 hours, as on
// the dashboard (docs/runbooks.md#what-today-means).
const day = 24 * time.Hour

// budgetRules fire when the estimated spend of all models over the last 24
// hours passes a share of the daily budget, and the budget itself. No tokens
// in 24 hours is no data: OK (nothing was spent).
func budgetRules(prices []config.ModelPrice, c config.Budget) []spec {
	rule := func(uid, title, severity, summary, limit string, usd float64) spec {
		return spec{
			uid:       uid,
			title:     title,
			severity:  severity,
			query:     promexpr.SpendUSD(prices, promexpr.AllModels(), promexpr.Over(day)),
			lookback:  day,
			compare:   above,
			threshold: usd,
			pending:   c.For,
			noData:    alerting.RuleNoDataStateOK,
			execErr:   alerting.RuleExecErrStateError,
			summary:   summary,
			description: fmt.Sprintf(`The estimated OpenAI spend of the last 24 hours is ${{ printf "%%.2f" $values.B.Value }}, %s.`,
				limit),
			panelID: openairuntime.PanelSpendTodayStat,
		}
	}
	return []spec{
		rule(uidDailyBudgetNearlySpent, "OpenAIDailyBudgetNearlySpent", SeverityWarning,
			"OpenAI spend is nearing the daily budget.",
			fmt.Sprintf("over %s%% of the $%.2f daily budget", formatNumber(c.WarningPercent), c.DailyUSD),
			c.WarningUSD()),
		rule(uidDailyBudgetExceeded, "OpenAIDailyBudgetExceeded", SeverityCritical,
			"OpenAI spend exceeded the daily budget.",
			fmt.Sprintf("over the $%.2f daily budget", c.DailyUSD),
			c.DailyUSD),
	}
}

// unpricedModelRule fires for each model that used tokens but has no price:
// its spend would silently count 0. All is well when the query returns
// nothing, so no data is OK.
func unpricedModelRule(prices []config.ModelPrice, c config.UnpricedModel) spec {
	return spec{
		uid:       uidUnpricedModel,
		title:     "OpenAIUnpricedModel",
		severity:  SeverityWarning,
		query:     promexpr.UnpricedTokens(prices, promexpr.AllModels(), promexpr.Over(c.Window), m.LabelModel),
		lookback:  c.Window,
		compare:   above,
		threshold: 0,
		pending:   c.For,
		noData:    alerting.RuleNoDataStateOK,
		execErr:   alerting.RuleExecErrStateError,
		summary:   "An OpenAI model in use has no price.",
		description: fmt.Sprintf(`Model {{ $labels.model }} used {{ humanize $values.B.Value }} tokens in the last %s but no line of dashboards-as-code/config.yaml prices it (neither its own nor, for a dated snapshot, its model's): its spend counts 0 on the dashboard and in the budget alerts.`,
			formatDuration(c.Window)),
		panelID: openairuntime.PanelUnpricedTokensTimeseries,
	}
}

// billingMismatchRule fires when the estimated spend of the last complete
// UTC day is further from what OpenAI billed for it than the configured
// share of the bill, either way. Without the billing exporter's series, or
// while its bill is of another day, the query returns nothing: no data is
// OK, there is nothing to compare.
func billingMismatchRule(prices []config.ModelPrice, c config.Reconciliation) spec {
	return spec{
		uid:       uidBillingMismatch,
		title:     "OpenAIBillingMismatch",
		severity:  SeverityWarning,
		query:     promexpr.LastDayGapPercent(prices),
		lookback:  promexpr.DayLookback,
		compare:   outsideBand,
		threshold: c.MaxGapPercent,
		pending:   c.For,
		noData:    alerting.RuleNoDataStateOK,
		execErr:   alerting.RuleExecErrStateError,
		summary:   "The estimated OpenAI spend of the last complete UTC day differs from OpenAI's bill.",
		description: fmt.Sprintf(`The estimated spend of the last complete UTC day is {{ printf "%%+.1f" $values.B.Value }}%% off what OpenAI's Costs API billed for it (more than %s%% either way). Above 0 the estimate is higher than the bill, below 0 lower. Compare the tokens on the dashboard's Cost row: if they agree, the prices of dashboards-as-code/config.yaml are stale; if OpenAI counted more, something other than the backend uses the organisation's API keys.`,
			formatNumber(c.MaxGapPercent)),
		panelID: openairuntime.PanelBillingGapTimeseries,
	}
}
