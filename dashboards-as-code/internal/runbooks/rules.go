package runbooks

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/alerting"
	"github.com/prometheus/common/model"

	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/alerts"
	"github.com/scanium/openai-monitoring/internal/bundle"
)

// severityLabel is the label every rule carries its severity in.
const severityLabel = "severity"

// Threshold evaluator types of Grafana's threshold expression.
const (
	evaluatorAbove   = "gt"
	evaluatorBelow   = "lt"
	evaluatorOutside = "outside_range"
)

// Rule is what the runbooks say of one alert rule, read from the rule as it
// is provisioned.
type Rule struct {
	Title string
	Group string
	// Severity is the rule's severity label.
	Severity string
	// For is the rule's pending period.
	For time.Duration
	// Op is how the condition compares the rule's value with Threshold: ">",
	// "<", or "outside" (below -Threshold or above Threshold).
	Op        string
	Threshold float64
	// Lookback is the relative time range of the rule's PromQL query: the
	// longest range it reads.
	Lookback time.Duration
	// Anchor is the anchor of the rule's section; RunbookURL the rule's
	// runbook_url annotation.
	Anchor     string
	RunbookURL string
	// NoDataState and ExecErrState are the rule's no-data and error states.
	NoDataState  string
	ExecErrState string
}

// readRules decodes the rules of the built groups, in their order, as the
// provisioning JSON has them.
func readRules(groups []alerting.RuleGroup) ([]Rule, error) {
	var out []Rule
	for _, g := range groups {
		data, err := json.Marshal(g)
		if err != nil {
			return nil, fmt.Errorf("encode rule group: %w", err)
		}
		decoded, err := bundle.DecodeRuleGroup(data)
		if err != nil {
			return nil, err
		}
		for _, r := range decoded.Rules {
			rule, err := readRule(decoded.Title, r)
			if err != nil {
				return nil, fmt.Errorf("rule %s of group %s: %w", r.Title, decoded.Title, err)
			}
			out = append(out, rule)
		}
	}
	return out, nil
}

func readRule(group string, r bundle.Rule) (Rule, error) {
	rule := Rule{
		Title:        r.Title,
		Group:        group,
		Severity:     r.Labels[severityLabel],
		Anchor:       alerts.RunbookAnchor(r.Title),
		RunbookURL:   r.Annotations[alerts.AnnotationRunbookURL],
		NoDataState:  r.NoDataState,
		ExecErrState: r.ExecErrState,
	}
	if rule.Title == "" {
		return Rule{}, fmt.Errorf("the rule has no title")
	}
	if rule.Severity == "" {
		return Rule{}, fmt.Errorf("the rule has no %s label", severityLabel)
	}
	pending, err := model.ParseDuration(r.For)
	if err != nil {
		return Rule{}, fmt.Errorf("for %q: %w", r.For, err)
	}
	rule.For = time.Duration(pending)

	var condition, query *bundle.Query
	for i, q := range r.Data {
		if q.RefID == r.Condition {
			condition = &r.Data[i]
		}
		if q.DatasourceUID == bundle.MimirUID {
			query = &r.Data[i]
		}
	}
	if condition == nil || condition.Model.Type != "threshold" || len(condition.Model.Conditions) != 1 {
		return Rule{}, fmt.Errorf("condition %s is not a threshold with one condition", r.Condition)
	}
	evaluator := condition.Model.Conditions[0].Evaluator
	switch {
	case evaluator.Type == evaluatorAbove && len(evaluator.Params) == 1:
		rule.Op, rule.Threshold = ">", evaluator.Params[0]
	case evaluator.Type == evaluatorBelow && len(evaluator.Params) == 1:
		rule.Op, rule.Threshold = "<", evaluator.Params[0]
	case evaluator.Type == evaluatorOutside && len(evaluator.Params) == 2 && evaluator.Params[0] == -evaluator.Params[1]:
		rule.Op, rule.Threshold = "outside", evaluator.Params[1]
	default:
		return Rule{}, fmt.Errorf("threshold evaluator %s %v is not one the runbooks describe (gt or lt one value, outside_range a band around 0)",
			evaluator.Type, evaluator.Params)
	}
	if query == nil || query.RelativeTimeRange == nil {
		return Rule{}, fmt.Errorf("no PromQL query on datasource %s with a relative time range", bundle.MimirUID)
	}
	rule.Lookback = time.Duration(query.RelativeTimeRange.From) * time.Second
	return rule, nil
}
