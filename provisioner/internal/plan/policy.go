package plan

import (
	"context"
	"fmt"

	"github.com/grafana/grafana-openapi-client-go/models"
	"github.com/prometheus/common/model"

	"github.com/scanium/openai-monitoring/provisioner/internal/artifact"
	"github.com/scanium/openai-monitoring/provisioner/internal/jsondiff"
)

// policyKind is the notification policy tree, when it is generated. The
// tree always exists (Grafana has a default), so it is updated, never
// created, and never pruned.
type policyKind struct{ sequential }

func (policyKind) Kind() Kind { return KindPolicy }

func (policyKind) describe(b *artifact.Bundle) string {
	if b.Policy == nil {
		return ""
	}
	return "a notification policy"
}

func (policyKind) artifacts(b *artifact.Bundle) ([]Resource, error) {
	if b.Policy == nil {
		return nil, nil
	}
	tree, err := normalisePolicy(b.Policy)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.PolicyFile, err)
	}
	doc, err := jsondiff.Normalize(tree)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.PolicyFile, err)
	}
	return []Resource{{Kind: KindPolicy, Name: policyName, Doc: jsondiff.DropNulls(doc)}}, nil
}

// policyName names the one tree.
const policyName = "root"

func (policyKind) plan(ctx context.Context, b *builder) error {
	if b.want.Policy == nil {
		return nil
	}
	s := &Step{Kind: KindPolicy, Name: policyName}
	cur, err := b.c.PolicyTree(ctx)
	if err != nil {
		return b.add(failed(s, err))
	}
	wantedProv := b.opts.wantedProvenance()
	if p := string(cur.Provenance); p != wantedProv {
		if p != "" {
			return b.add(failed(s, errLocked("the notification policy", p)))
		}
		s.Changes = append(s.Changes, provenanceChange(p, wantedProv))
	}
	current, err := normalisePolicy(cur)
	if err != nil {
		return b.add(failed(s, err))
	}
	want, err := normalisePolicy(b.want.Policy)
	if err != nil {
		return b.add(failed(s, err))
	}
	if err := compareModels(s, current, want); err != nil {
		return b.add(failed(s, err))
	}
	root := b.want.Policy
	s.write = func(ctx context.Context) error { return b.c.PutPolicyTree(ctx, root) }
	return b.add(s)
}

// normalisePolicy copies a tree without provenance and with its durations
// as Grafana serves them ("60s" is "1m").
func normalisePolicy(r *models.Route) (*models.Route, error) {
	out := *r
	out.Provenance = ""
	for _, d := range []*string{&out.GroupWait, &out.GroupInterval, &out.RepeatInterval} {
		if *d == "" {
			continue
		}
		v, err := model.ParseDuration(*d)
		if err != nil {
			return nil, fmt.Errorf("notification policy: %w", err)
		}
		*d = v.String()
	}
	out.Routes = nil
	for _, c := range r.Routes {
		if c == nil {
			continue
		}
		nc, err := normalisePolicy(c)
		if err != nil {
			return nil, err
		}
		out.Routes = append(out.Routes, nc)
	}
	return &out, nil
}

// provenanceChange shows a change of provenance in a plan.
func provenanceChange(from, to string) jsondiff.Change {
	return jsondiff.Change{Path: "provenance", Op: jsondiff.Changed, From: provenanceName(from), To: provenanceName(to)}
}
