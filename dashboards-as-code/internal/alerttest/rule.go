// Package alerttest evaluates Grafana-managed alert rules, as their
// provisioning JSON describes them, the way Grafana does: the PromQL query by
// the real Prometheus engine as an instant query, then the reduce and the
// threshold expressions on each series, then the pending period and the
// no-data and error states of Grafana's state manager. Tests feed it
// synthetic series through promqltest storage.
package alerttest

import (
	"fmt"
	"time"

	"github.com/prometheus/common/model"

	"github.com/scanium/openai-monitoring/internal/bundle"
)

// Rule is an alert rule ready to evaluate: a PromQL query, a reduce and a
// threshold expression.
type Rule struct {
	UID          string
	Title        string
	Labels       map[string]string
	Annotations  map[string]string
	Expr         string
	Interval     time.Duration
	For          time.Duration
	NoDataState  string
	ExecErrState string

	reducer    string
	reduceMode string
	replaceNN  float64
	threshold  string
	params     []float64
}

// Rules decodes a rule group artifact. Each rule's condition must be a
// threshold over a reduce over a PromQL query: the shape Grafana's editor
// builds and the one every generated rule has.
func Rules(groupJSON []byte) ([]Rule, error) {
	g, err := bundle.DecodeRuleGroup(groupJSON)
	if err != nil {
		return nil, err
	}
	out := make([]Rule, 0, len(g.Rules))
	for _, r := range g.Rules {
		rule, err := decodeRule(g, r)
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", r.Title, err)
		}
		out = append(out, rule)
	}
	return out, nil
}

func decodeRule(g bundle.RuleGroup, r bundle.Rule) (Rule, error) {
	byRef := map[string]bundle.Query{}
	for _, q := range r.Data {
		byRef[q.RefID] = q
	}
	cond, ok := byRef[r.Condition]
	if !ok || cond.Model.Type != "threshold" || len(cond.Model.Conditions) != 1 {
		return Rule{}, fmt.Errorf("condition %s is not a threshold with one condition", r.Condition)
	}
	reduce, ok := byRef[cond.Model.Expression]
	if !ok || reduce.Model.Type != "reduce" {
		return Rule{}, fmt.Errorf("threshold %s does not read a reduce expression", cond.RefID)
	}
	query, ok := byRef[reduce.Model.Expression]
	if !ok || query.DatasourceUID == bundle.ExpressionUID || query.Model.Expr == "" {
		return Rule{}, fmt.Errorf("reduce %s does not read a PromQL query", reduce.RefID)
	}
	pending, err := model.ParseDuration(r.For)
	if err != nil {
		return Rule{}, fmt.Errorf("for: %w", err)
	}
	rule := Rule{
		UID:          r.UID,
		Title:        r.Title,
		Labels:       r.Labels,
		Annotations:  r.Annotations,
		Expr:         query.Model.Expr,
		Interval:     time.Duration(g.Interval) * time.Second,
		For:          time.Duration(pending),
		NoDataState:  r.NoDataState,
		ExecErrState: r.ExecErrState,
		reducer:      reduce.Model.Reducer,
		threshold:    cond.Model.Conditions[0].Evaluator.Type,
		params:       cond.Model.Conditions[0].Evaluator.Params,
	}
	if s := reduce.Model.Settings; s != nil {
		rule.reduceMode = s.Mode
		if s.ReplaceWithValue != nil {
			rule.replaceNN = *s.ReplaceWithValue
		}
	}
	return rule, nil
}
