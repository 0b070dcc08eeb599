package plan

import (
	"context"
	"fmt"
	"strings"

	"github.com/scanium/openai-monitoring/provisioner/internal/artifact"
)

// kind is one kind of resource: how it is planned against Grafana, how
// its writes run, and what of it the artifacts hold. Each kind lives in a
// file of its own; kinds lists them all.
type kind interface {
	// Kind names the kind in steps and output.
	Kind() Kind
	// plan adds to b one step per resource of the desired state, sorted
	// by name, then, when b prunes, one delete per managed resource that
	// is no longer in code. It returns only the errors that stop a run.
	plan(ctx context.Context, b *builder) error
	// writeLimit is how many of its writes run at once.
	writeLimit(o Options) int
	// stopsRun returns, for a step of the kind whose write failed, the
	// error that stops the whole apply, or nil when the others go on.
	stopsRun(s *Step) error
	// describe counts its resources in the artifacts for validate ("2
	// dashboards"), or "" when it has none there (folder, datasources).
	describe(b *artifact.Bundle) string
	// artifacts lists its resources in the artifacts, sorted by name, as
	// a review compares them.
	artifacts(b *artifact.Bundle) ([]Resource, error)
}

// kinds is every kind, in the order creates and updates are applied;
// deletes (-prune) run in the reverse order. Build, Apply, Describe and
// Artifacts walk it: no other place lists the kinds.
var kinds = []kind{
	folderKind{},
	datasourceKind{},
	dashboardKind{},
	ruleGroupKind{},
	contactPointKind{},
	policyKind{},
}

// sequential is what most kinds share: written one at a time, a failure
// stops nothing else, nothing of it in the artifacts.
type sequential struct{}

func (sequential) writeLimit(Options) int                         { return 1 }
func (sequential) stopsRun(*Step) error                           { return nil }
func (sequential) describe(*artifact.Bundle) string               { return "" }
func (sequential) artifacts(*artifact.Bundle) ([]Resource, error) { return nil, nil }

// concurrent is sequential but for its writes, -concurrency at a time.
type concurrent struct{ sequential }

func (concurrent) writeLimit(o Options) int { return o.concurrency() }

// Resource is one resource of the artifacts, in the normalised JSON that
// plans compare, for a review of two versions of the artifacts.
type Resource struct {
	Kind Kind
	// Name identifies it within its kind: a uid, "folderUid/title" for a
	// rule group, "root" for the notification policy.
	Name string
	// Title is what people call it (a dashboard's or rule's title).
	Title string
	// Doc is its normalised JSON (see jsondiff.Normalize), without Parts.
	Doc any
	// Parts are the resources in it that a review names one by one: the
	// rules of a group.
	Parts []Part
}

// Part is one resource inside another (a rule of a rule group).
type Part struct {
	// Noun says what it is ("rule").
	Noun        string
	Name, Title string
	Doc         any
}

// Kinds returns the names of the kinds, in apply order.
func Kinds() []Kind {
	out := make([]Kind, len(kinds))
	for i, k := range kinds {
		out[i] = k.Kind()
	}
	return out
}

// Artifacts lists every resource of the artifacts b, kind by kind in
// apply order, each kind sorted by name.
func Artifacts(b *artifact.Bundle) ([]Resource, error) {
	var out []Resource
	for _, k := range kinds {
		list, err := k.artifacts(b)
		if err != nil {
			return nil, err
		}
		out = append(out, list...)
	}
	return out, nil
}

// Describe counts the artifacts of b, kind by kind: "1 dashboard, 5 rule
// groups, 1 contact point, a notification policy".
func Describe(b *artifact.Bundle) string {
	var parts []string
	for _, k := range kinds {
		if d := k.describe(b); d != "" {
			parts = append(parts, d)
		}
	}
	return strings.Join(parts, ", ")
}

// plural counts a noun: "1 dashboard", "2 dashboards".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
