package plan

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/scanium/openai-monitoring/provisioner/internal/grafana"
)

// Outcome is what an apply did to a resource.
type Outcome string

// Outcomes.
const (
	OutcomeCreated   Outcome = "created"
	OutcomeUpdated   Outcome = "updated"
	OutcomeUnchanged Outcome = "unchanged"
	OutcomeDeleted   Outcome = "deleted"
	OutcomeFailed    Outcome = "failed"
)

// Result is the outcome of one step.
type Result struct {
	Step    *Step
	Outcome Outcome
	Err     error
}

// Summary counts the outcomes of an apply; NotAttempted counts the steps
// an error stopped before they ran.
type Summary struct {
	Created, Updated, Unchanged, Deleted, Failed, NotAttempted int
}

// OK reports whether everything planned was done.
func (s Summary) OK() bool { return s.Failed == 0 && s.NotAttempted == 0 }

func (s *Summary) count(r Result) {
	switch r.Outcome {
	case OutcomeCreated:
		s.Created++
	case OutcomeUpdated:
		s.Updated++
	case OutcomeUnchanged:
		s.Unchanged++
	case OutcomeDeleted:
		s.Deleted++
	case OutcomeFailed:
		s.Failed++
	}
}

// Apply carries out a plan: creates and updates in kind order, then
// deletes in the reverse order. An unchanged step writes nothing. report,
// when not nil, receives each result in plan order as soon as it is known.
//
// A plan with failed steps is refused before anything is written. A
// failure of the folder stops the run (everything else lives in it); an
// authentication error or the end of ctx stops it at once and is
// returned. Other failures are counted and the run goes on.
func Apply(ctx context.Context, p *Plan, opts Options, report func(Result)) (Summary, error) {
	var sum Summary
	if failures := p.Failures(); len(failures) > 0 {
		return sum, fmt.Errorf("%d resource(s) could not be planned; nothing was changed", len(failures))
	}

	type stage struct {
		kind  kind
		steps []*Step
	}
	var stages []stage
	for _, k := range kinds {
		stages = append(stages, stage{k, stepsOf(p, k.Kind(), func(s *Step) bool { return s.Action != Delete })})
	}
	for _, k := range slices.Backward(kinds) {
		stages = append(stages, stage{k, stepsOf(p, k.Kind(), func(s *Step) bool { return s.Action == Delete })})
	}

	for i, st := range stages {
		stage := st.steps
		if len(stage) == 0 {
			continue
		}
		reported := 0
		err := ordered(ctx, len(stage), st.kind.writeLimit(opts),
			func(ctx context.Context, i int) Result { return run(ctx, stage[i]) },
			func(r Result) error {
				reported++
				sum.count(r)
				if report != nil {
					report(r)
				}
				switch {
				case r.Err != nil && isFatal(r.Err):
					return r.Err
				case r.Err != nil:
					return st.kind.stopsRun(r.Step)
				}
				return nil
			})
		if err != nil {
			sum.NotAttempted += len(stage) - reported
			for _, rest := range stages[i+1:] {
				sum.NotAttempted += len(rest.steps)
			}
			return sum, err
		}
	}
	return sum, nil
}

// run carries out one step.
func run(ctx context.Context, s *Step) Result {
	if s.Action == Unchanged {
		return Result{Step: s, Outcome: OutcomeUnchanged}
	}
	err := s.write(ctx)
	if s.Action == Delete && errors.Is(err, grafana.ErrNotFound) {
		err = nil // already gone
	}
	if err != nil {
		return Result{Step: s, Outcome: OutcomeFailed, Err: err}
	}
	switch s.Action {
	case Create:
		return Result{Step: s, Outcome: OutcomeCreated}
	case Delete:
		return Result{Step: s, Outcome: OutcomeDeleted}
	default:
		return Result{Step: s, Outcome: OutcomeUpdated}
	}
}

func stepsOf(p *Plan, k Kind, keep func(*Step) bool) []*Step {
	var out []*Step
	for _, s := range p.Steps {
		if s.Kind == k && keep(s) {
			out = append(out, s)
		}
	}
	return out
}
