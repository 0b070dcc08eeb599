// Package plan compares the desired state with what Grafana holds and
// makes it so. Build reads Grafana and lists, per resource, what an apply
// would do (create, update with the changes, unchanged, delete); Apply
// carries the plan out, writing nothing for an unchanged resource.
//
// Each kind of resource implements one interface (kind, in kind.go) in a
// file of its own, and the one list kinds orders them: folder,
// datasources, dashboards, rule groups, contact points, notification
// policy, the order of creates and updates; deletes (--prune) go last, in
// the reverse order. Dashboards and rule groups are read and written
// with bounded concurrency; every listing comes out in a fixed order.
package plan

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/scanium/openai-monitoring/provisioner/internal/desired"
	"github.com/scanium/openai-monitoring/provisioner/internal/grafana"
	"github.com/scanium/openai-monitoring/provisioner/internal/jsondiff"
)

// Kind is a kind of resource.
type Kind string

// The names of the kinds (kinds lists them in apply order).
const (
	KindFolder       Kind = "folder"
	KindDatasource   Kind = "datasource"
	KindDashboard    Kind = "dashboard"
	KindRuleGroup    Kind = "rule-group"
	KindContactPoint Kind = "contact-point"
	KindPolicy       Kind = "notification-policy"
)

// Action is what a plan does to a resource.
type Action string

// Actions.
const (
	Create    Action = "create"
	Update    Action = "update"
	Unchanged Action = "unchanged"
	Delete    Action = "delete"
	// Failed: the resource could not be planned (Step.Err says why).
	Failed Action = "failed"
)

// SaveMessage is the version message of every dashboard the provisioner
// saves; a newer version with another message was saved by someone else.
const SaveMessage = "Provisioned by scanium-provisioner from dashboards-as-code"

// Step is the plan for one resource.
type Step struct {
	Kind   Kind
	Name   string
	Action Action
	// Changes lists what an update changes (current -> desired).
	Changes []jsondiff.Change
	// Detail qualifies the action ("2 rules").
	Detail string
	// Note is worth knowing about the current state ("edited in Grafana by
	// alice since the last apply (version 7)").
	Note string
	// EditedBy is set when an update undoes an edit made in Grafana since
	// the last apply: who made it.
	EditedBy string
	// Err is why the step Failed.
	Err error

	write func(ctx context.Context) error
}

// Plan is the list of steps, in kind order; within a kind, the resources in
// code sorted by name, then the deletes.
type Plan struct {
	Steps []*Step
}

// Count returns how many steps have each action.
func (p *Plan) Count() map[Action]int {
	out := map[Action]int{}
	for _, s := range p.Steps {
		out[s.Action]++
	}
	return out
}

// HasChanges reports whether an apply would write anything.
func (p *Plan) HasChanges() bool {
	c := p.Count()
	return c[Create]+c[Update]+c[Delete] > 0
}

// Failures lists the steps that could not be planned.
func (p *Plan) Failures() []*Step {
	var out []*Step
	for _, s := range p.Steps {
		if s.Action == Failed {
			out = append(out, s)
		}
	}
	return out
}

// Options tune planning and applying.
type Options struct {
	// Prune plans deletes of managed resources that are no longer in code.
	Prune bool
	// Concurrency bounds parallel reads and writes of dashboards and rule
	// groups (default 4).
	Concurrency int
	// AllowUIEdits writes alerting resources editable in Grafana's UI
	// (provenance none) instead of locked (provenance api).
	AllowUIEdits bool
}

func (o Options) concurrency() int {
	if o.Concurrency < 1 {
		return 4
	}
	return o.Concurrency
}

// wantedProvenance is the provenance alerting writes get.
func (o Options) wantedProvenance() string {
	if o.AllowUIEdits {
		return ""
	}
	return "api"
}

// Build reads Grafana and plans every resource of want. onStep, when not
// nil, receives each step as soon as it and all steps before it are
// known, so that a long plan shows progress in a stable order. A resource
// that cannot be read fails alone (Step.Err); an authentication error or
// the end of ctx stops everything and is returned.
func Build(ctx context.Context, c *grafana.Client, want *desired.State, opts Options, onStep func(*Step)) (*Plan, error) {
	b := &builder{c: c, want: want, opts: opts, plan: &Plan{}, onStep: onStep}
	for _, k := range kinds {
		if err := k.plan(ctx, b); err != nil {
			return b.plan, err
		}
	}
	return b.plan, nil
}

type builder struct {
	c      *grafana.Client
	want   *desired.State
	opts   Options
	plan   *Plan
	onStep func(*Step)
}

// add appends a step, or returns the error that stops the run.
func (b *builder) add(s *Step) error {
	if s.Action == Failed && isFatal(s.Err) {
		return s.Err
	}
	b.plan.Steps = append(b.plan.Steps, s)
	if b.onStep != nil {
		b.onStep(s)
	}
	return nil
}

// addDeletes plans the deletion of the named resources, sorted by name.
func (b *builder) addDeletes(kind Kind, names []string, del func(ctx context.Context, name string) error) error {
	sort.Strings(names)
	for _, name := range names {
		s := &Step{Kind: kind, Name: name, Action: Delete}
		s.write = func(ctx context.Context) error { return del(ctx, name) }
		if err := b.add(s); err != nil {
			return err
		}
	}
	return nil
}

// failed marks a step as failed with err.
func failed(s *Step, err error) *Step {
	s.Action, s.Err = Failed, err
	return s
}

// isFatal tells the errors that stop a whole run: bad credentials and the
// end of the run's context.
func isFatal(err error) bool {
	return grafana.IsAuth(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// compare fills a step from two normalisable documents: Unchanged when
// they are equal, Update with the changes otherwise.
func compare(s *Step, current, wanted any) error {
	return compareDocs(s, current, wanted, false)
}

// compareModels is compare for documents made of typed API models, where
// null only means unset.
func compareModels(s *Step, current, wanted any) error {
	return compareDocs(s, current, wanted, true)
}

func compareDocs(s *Step, current, wanted any, dropNulls bool) error {
	cur, err := jsondiff.Normalize(current)
	if err != nil {
		return err
	}
	want, err := jsondiff.Normalize(wanted)
	if err != nil {
		return err
	}
	if dropNulls {
		cur, want = jsondiff.DropNulls(cur), jsondiff.DropNulls(want)
	}
	s.Changes = append(s.Changes, jsondiff.Diff(cur, want)...)
	if len(s.Changes) == 0 {
		s.Action = Unchanged
	} else {
		s.Action = Update
	}
	return nil
}

// provenanceName shows a provenance in a change.
func provenanceName(p string) string {
	if p == "" {
		return "none"
	}
	return p
}

// errLocked says why Grafana refuses to make a locked resource editable.
func errLocked(what, stored string) error {
	return fmt.Errorf("%s was written locked (provenance %s) and Grafana does not unlock it through the API: "+
		"run without --allow-ui-edits, or delete it in Grafana and apply again", what, provenanceName(stored))
}

// line joins non-empty parts with "; ".
func line(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "; ")
}
