package alerttest

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/storage"

	"github.com/scanium/openai-monitoring/internal/bundle"
)

// State is the state of an alert instance.
type State string

const (
	Normal   State = "Normal"
	Pending  State = "Pending"
	Alerting State = "Alerting"
	NoData   State = "NoData"
	Error    State = "Error"
)

// Outcome is where a rule stands after a run of evaluations.
type Outcome struct {
	// States of the instances of the last evaluation, by labels.
	States map[string]State
	// Last is the last evaluation's result.
	Last Result
	// Fired holds the labels of every instance that was Alerting at any
	// evaluation of the run.
	Fired map[string]bool
}

// Firing returns the labels of the instances in the Alerting state.
func (o Outcome) Firing() []string {
	var out []string
	for labels, s := range o.States {
		if s == Alerting {
			out = append(out, labels)
		}
	}
	return out
}

// Run evaluates the rule every interval from start to end, both included,
// and follows each instance through Grafana's states: the condition must hold
// for the rule's pending period (For) before the instance fires; an instance
// whose series disappears resolves; no data and errors follow the rule's
// noDataState and execErrState.
func (r Rule) Run(ctx context.Context, engine promql.QueryEngine, q storage.Queryable, start, end time.Time) (Outcome, error) {
	if r.Interval <= 0 {
		return Outcome{}, fmt.Errorf("rule %s: no evaluation interval", r.Title)
	}
	states := map[string]State{}
	fired := map[string]bool{}
	since := map[string]time.Time{}
	var last Result
	for ts := start; !ts.After(end); ts = ts.Add(r.Interval) {
		last = r.Evaluate(ctx, engine, q, ts)
		next := map[string]State{}
		// step moves an instance whose condition holds (or not) at ts.
		step := func(labels string, holds bool) {
			if !holds {
				next[labels] = Normal
				return
			}
			prev := states[labels]
			if prev != Pending && prev != Alerting {
				since[labels] = ts
			}
			if ts.Sub(since[labels]) >= r.For {
				next[labels] = Alerting
			} else {
				next[labels] = Pending
			}
		}
		// special applies a no-data or error state option to an instance.
		special := func(labels, option string, own State) {
			switch option {
			case bundle.StateOK:
				next[labels] = Normal
			case bundle.StateAlerting:
				step(labels, true)
			case bundle.StateKeepLast:
				if s, ok := states[labels]; ok {
					next[labels] = s
				} else {
					next[labels] = Normal
				}
			default:
				next[labels] = own
			}
		}
		switch {
		case last.Err != nil:
			for labels := range states {
				special(labels, r.ExecErrState, Error)
			}
			if len(states) == 0 {
				special("{}", r.ExecErrState, Error)
			}
		case last.NoData:
			special("{}", r.NoDataState, NoData)
		default:
			for labels, inst := range last.Instances {
				if inst.Value == nil {
					special(labels, r.NoDataState, NoData)
					continue
				}
				step(labels, inst.Firing)
			}
		}
		for labels, s := range next {
			if s == Alerting {
				fired[labels] = true
			}
		}
		states = next
	}
	return Outcome{States: states, Last: last, Fired: fired}, nil
}
