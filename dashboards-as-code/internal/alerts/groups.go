// Package alerts builds the Grafana-managed alert rules of the OpenAI
// runtime, one rule group per concern, all in the Scanium folder. Each
// concern's rules live in a file named after it; thresholds come from the
// configuration, runbook links from one pass over all rules (WithRunbooks).
package alerts

import (
	"fmt"
	"strconv"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/alerting"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/prometheus/common/model"

	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/internal/bundle"
)

// Rule groups. A group's title is also its artifact's file name.
const (
	GroupErrors     = "openai-errors"
	GroupLatency    = "openai-latency"
	GroupRateLimits = "openai-rate-limits"
	GroupCost       = "openai-cost"
	GroupSLO        = "openai-slo"
)

// group is a titled list of rules evaluated together.
type group struct {
	title string
	rules []spec
}

func groups(cfg config.Config) []group {
	a := cfg.Alerts
	return []group{
		{GroupErrors, errorRateRules(a.ErrorRate)},
		{GroupLatency, []spec{latencyRule(a.Latency)}},
		{GroupRateLimits, []spec{headroomRule(a.RateLimitHeadroom)}},
		{GroupCost, append(budgetRules(cfg.Pricing.Models, a.Budget),
			unpricedModelRule(cfg.Pricing.Models, a.UnpricedModel),
			billingMismatchRule(cfg.Pricing.Models, a.Reconciliation))},
		{GroupSLO, burnRateRules(cfg.SLOs)},
	}
}

// Build returns every rule group, with runbook links, in a stable order.
func Build(cfg config.Config) ([]alerting.RuleGroup, error) {
	specs := groups(cfg)
	out := make([]alerting.RuleGroup, 0, len(specs))
	for _, g := range specs {
		rules := make([]cog.Builder[alerting.Rule], len(g.rules))
		for i, r := range g.rules {
			rules[i] = r.build(g.title)
		}
		built, err := alerting.NewRuleGroupBuilder(g.title).
			FolderUid(bundle.FolderUID).
			Interval(alerting.Duration(cfg.Alerts.EvaluationInterval / time.Second)).
			Rules(rules).
			Build()
		if err != nil {
			return nil, fmt.Errorf("build rule group %s: %w", g.title, err)
		}
		out = append(out, built)
	}
	return WithRunbooks(out, cfg.RunbookURL), nil
}

// QuietRules lists the uids of the rules whose query returns nothing while
// all is well: they alert on the presence of a problem, not on a value.
func QuietRules() []string { return []string{uidUnpricedModel} }

func formatDuration(d time.Duration) string { return model.Duration(d).String() }

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
