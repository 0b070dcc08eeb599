package openairuntime

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/stat"

	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/promexpr"
)

// sloPanels are the panel ids and wording of one objective's stats.
type sloPanels struct {
	name      string
	what      string
	objective config.Objective
	sli       promexpr.SLI
	target    uint32
	compliant uint32
	budget    uint32
	burnRates []uint32
}

// sloRow shows each objective: its target, its compliance and the error
// budget left over its window, and its burn rate over the long window of
// each burn-rate alert, coloured at the alert's factor. The objectives are
// the service's, all models together: $model does not apply.
func sloRow(b *dashboard.DashboardBuilder, cfg config.Config) *dashboard.DashboardBuilder {
	s := cfg.SLOs
	b = b.WithRow(dashboard.NewRowBuilder("SLOs").Id(rowSLO))
	for _, o := range []sloPanels{
		{
			name: "Availability", what: "OpenAI API calls that succeed, out of those OpenAI answered (cancelled calls count neither way)",
			objective: s.Availability, sli: promexpr.AvailabilityErrorRatio,
			target: PanelAvailabilityTargetStat, compliant: PanelAvailabilityComplianceStat, budget: PanelAvailabilityBudgetStat,
			burnRates: AvailabilityBurnRatePanels(),
		},
		{
			name: "Latency", what: fmt.Sprintf("successful OpenAI API calls faster than %ss: a streamed call by its time to first token, a plain call by its duration",
				formatNumber(s.Latency.ThresholdSeconds)),
			objective: s.Latency.Objective, sli: promexpr.LatencyErrorRatio(s.Latency.ThresholdSeconds),
			target: PanelLatencyTargetStat, compliant: PanelLatencyComplianceStat, budget: PanelLatencyBudgetStat,
			burnRates: LatencyBurnRatePanels(),
		},
	} {
		b = b.WithPanel(o.targetStat()).WithPanel(o.complianceStat()).WithPanel(o.budgetStat())
		for i, w := range config.BurnRateWindows() {
			b = b.WithPanel(o.burnRateStat(o.burnRates[i], w))
		}
	}
	return b
}

// sloStat is a stat of an instant query: the SLO queries read days of
// samples, too many to evaluate at every step of a graph.
func sloStat(id uint32, title, description string, span uint32) *stat.PanelBuilder {
	return defaultStat().
		Id(id).
		Title(title).
		Description(description).
		Span(span).
		GraphMode(common.BigValueGraphModeNone)
}

func (o sloPanels) window() string { return formatDuration(o.objective.Window) }

func (o sloPanels) targetStat() *stat.PanelBuilder {
	return sloStat(o.target, o.name+" target",
		fmt.Sprintf("The %s objective: %s%% of %s, over a rolling %s, from dashboards-as-code/config.yaml.",
			o.name, formatNumber(o.objective.TargetPercent), o.what, o.window()), 3).
		WithTarget(instantQuery("A", promexpr.Constant(o.objective.TargetPercent), "Target")).
		Unit(unitPercent).
		Decimals(2).
		ColorMode(common.BigValueColorModeNone).
		Thresholds(thresholds(colorNeutral))
}

func (o sloPanels) complianceStat() *stat.PanelBuilder {
	return sloStat(o.compliant, o.name+", last "+o.window(),
		fmt.Sprintf("Share of %s over the last %s. Red below the target, %s%%.",
			o.what, o.window(), formatNumber(o.objective.TargetPercent)), 4).
		WithTarget(instantQuery("A", promexpr.CompliancePercent(o.sli, promexpr.AllModels(), promexpr.Over(o.objective.Window)), o.name)).
		Unit(unitPercent).
		Decimals(3).
		Thresholds(thresholds(colorCritical, at(o.objective.TargetPercent, colorOK)))
}

func (o sloPanels) budgetStat() *stat.PanelBuilder {
	return sloStat(o.budget, o.name+" error budget left",
		fmt.Sprintf("Share of the %s objective's error budget (%s%% of the calls of the last %s) not yet spent: 100 with no bad call, 0 when the objective is just met, below 0 once it is missed. Orange under 25, red under 0.",
			o.name, formatNumber(100-o.objective.TargetPercent), o.window()), 5).
		WithTarget(instantQuery("A", promexpr.BudgetRemainingPercent(o.sli, o.objective.ErrorBudget(), promexpr.AllModels(), promexpr.Over(o.objective.Window)), "Budget left")).
		Unit(unitPercent).
		Decimals(1).
		Thresholds(thresholds(colorCritical, at(0, colorWarning), at(25, colorOK)))
}

func (o sloPanels) burnRateStat(id uint32, w config.BurnRateWindow) *stat.PanelBuilder {
	long := formatDuration(w.Long)
	color, alert := colorWarning, "opens a ticket"
	if w.Page {
		color, alert = colorCritical, "pages"
	}
	return sloStat(id, o.name+" burn rate, "+long,
		fmt.Sprintf("How fast the %s objective spends its error budget over the last %s: the share of bad calls divided by the budget, 1 spending it in exactly %s. %s, coloured from %s×, %s while the last %s burns as fast too.",
			o.name, long, o.window(), BurnRateAlertTitle(o.name, w), formatNumber(w.Factor), alert, formatDuration(w.Short)), 4).
		WithTarget(instantQuery("A", promexpr.BurnRate(o.sli, o.objective.ErrorBudget(), promexpr.AllModels(), promexpr.Over(w.Long)), long)).
		Unit(unitTimes).
		Decimals(2).
		Thresholds(thresholds(colorOK, at(w.Factor, color)))
}

// BurnRateAlertTitle is the title of the burn-rate rule of an objective
// (Availability, Latency) over a long window: OpenAIAvailabilityBurnRate1h.
func BurnRateAlertTitle(objective string, w config.BurnRateWindow) string {
	return "OpenAI" + objective + "BurnRate" + formatDuration(w.Long)
}
