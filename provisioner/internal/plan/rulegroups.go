package plan

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/grafana/grafana-openapi-client-go/models"
	"github.com/prometheus/common/model"

	"github.com/scanium/openai-monitoring/provisioner/internal/artifact"
	"github.com/scanium/openai-monitoring/provisioner/internal/desired"
	"github.com/scanium/openai-monitoring/provisioner/internal/grafana"
	"github.com/scanium/openai-monitoring/provisioner/internal/jsondiff"
	"github.com/scanium/openai-monitoring/provisioner/internal/managed"
)

// Defaults Grafana adds to every alert query model.
var queryModelDefaults = map[string]string{"intervalMs": "1000", "maxDataPoints": "43200"}

// serverOwnedRuleFields are set by Grafana on every rule.
var serverOwnedRuleFields = []string{"id", "orgID", "updated", "provenance"}

// ruleGroupKind is the alert rule groups of the artifacts, read and
// written -concurrency at a time; a review names their rules one by one.
type ruleGroupKind struct{ concurrent }

func (ruleGroupKind) Kind() Kind { return KindRuleGroup }

func (ruleGroupKind) describe(b *artifact.Bundle) string {
	return plural(len(b.RuleGroups), "rule group")
}

func (ruleGroupKind) artifacts(b *artifact.Bundle) ([]Resource, error) {
	var out []Resource
	for _, g := range b.RuleGroups {
		doc, err := normaliseRuleGroup(g.Group)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", g.File, err)
		}
		group, _ := doc.(map[string]any)
		rules, _ := group["rules"].([]any)
		delete(group, "rules")
		r := Resource{Kind: KindRuleGroup, Name: g.Key(), Title: g.Group.Title, Doc: jsondiff.DropNulls(doc)}
		for _, rule := range rules {
			m, _ := rule.(map[string]any)
			uid, _ := m["uid"].(string)
			title, _ := m["title"].(string)
			r.Parts = append(r.Parts, Part{Noun: "rule", Name: uid, Title: title, Doc: jsondiff.DropNulls(rule)})
		}
		out = append(out, r)
	}
	return out, nil
}

func (ruleGroupKind) plan(ctx context.Context, b *builder) error {
	if len(b.want.RuleGroups) == 0 && !b.opts.Prune {
		return nil
	}
	rules, err := b.c.AlertRules(ctx)
	if err != nil {
		return fmt.Errorf("list alert rules: %w", err)
	}
	provenance := make(map[string]string, len(rules))
	for _, r := range rules {
		provenance[r.UID] = string(r.Provenance)
	}

	list := b.want.RuleGroups
	err = ordered(ctx, len(list), b.opts.concurrency(),
		func(ctx context.Context, i int) *Step { return b.planRuleGroup(ctx, list[i], provenance) },
		b.add)
	if err != nil || !b.opts.Prune {
		return err
	}

	wanted := map[string]bool{}
	for _, g := range list {
		wanted[g.Key()] = true
	}
	var stale []string
	for _, key := range managedGroups(rules) {
		if !wanted[key] {
			stale = append(stale, key)
		}
	}
	return b.addDeletes(KindRuleGroup, stale, func(ctx context.Context, key string) error {
		folder, title, _ := strings.Cut(key, "/")
		return b.c.DeleteRuleGroup(ctx, folder, title)
	})
}

func (b *builder) planRuleGroup(ctx context.Context, g desired.RuleGroup, provenance map[string]string) *Step {
	s := &Step{Kind: KindRuleGroup, Name: g.Key(), Detail: fmt.Sprintf("%d rules", len(g.Group.Rules))}
	if len(g.Group.Rules) == 1 {
		s.Detail = "1 rule"
	}
	wanted := b.opts.wantedProvenance()
	for _, r := range g.Group.Rules {
		stored, exists := provenance[r.UID]
		if !exists || stored == wanted {
			continue
		}
		if stored != "" {
			return failed(s, errLocked(fmt.Sprintf("rule %s", r.UID), stored))
		}
		s.Changes = append(s.Changes, jsondiff.Change{
			Path: fmt.Sprintf("rules[uid=%s].provenance", r.UID), Op: jsondiff.Changed,
			From: provenanceName(stored), To: provenanceName(wanted),
		})
	}
	group := g.Group
	s.write = func(ctx context.Context) error { return b.c.PutRuleGroup(ctx, group) }

	cur, err := b.c.RuleGroup(ctx, g.Group.FolderUID, g.Group.Title)
	switch {
	case errors.Is(err, grafana.ErrNotFound):
		s.Action, s.Changes = Create, nil
		return s
	case err != nil:
		return failed(s, err)
	}
	current, err := normaliseRuleGroup(cur)
	if err != nil {
		return failed(s, err)
	}
	want, err := normaliseRuleGroup(g.Group)
	if err != nil {
		return failed(s, err)
	}
	if err := compareModels(s, current, want); err != nil {
		return failed(s, err)
	}
	return s
}

// normaliseRuleGroup turns a group into generic JSON without what Grafana
// owns or adds: rule ids, update times, provenance, the default interval
// and data points of query models, and the empty time range of
// expressions.
func normaliseRuleGroup(g *models.AlertRuleGroup) (any, error) {
	doc, err := jsondiff.Normalize(g)
	if err != nil {
		return nil, err
	}
	group, _ := doc.(map[string]any)
	rules, _ := group["rules"].([]any)
	for _, r := range rules {
		rule, _ := r.(map[string]any)
		for _, k := range serverOwnedRuleFields {
			delete(rule, k)
		}
		for _, k := range []string{"for", "keep_firing_for"} {
			if d, ok := rule[k].(string); ok {
				rule[k] = promDuration(d)
			}
		}
		data, _ := rule["data"].([]any)
		for _, q := range data {
			query, _ := q.(map[string]any)
			if tr, ok := query["relativeTimeRange"].(map[string]any); ok && len(tr) == 0 {
				delete(query, "relativeTimeRange")
			}
			model, _ := query["model"].(map[string]any)
			for k, def := range queryModelDefaults {
				if fmt.Sprint(model[k]) == def {
					delete(model, k)
				}
			}
		}
	}
	return doc, nil
}

// promDuration shows a Go duration ("10m0s") as Grafana does ("10m").
func promDuration(d string) string {
	v, err := time.ParseDuration(d)
	if err != nil {
		return d
	}
	return model.Duration(v).String()
}

// managedGroups lists the groups, as "folderUid/title", whose every rule
// carries the managed label.
func managedGroups(rules models.ProvisionedAlertRules) []string {
	all := map[string]bool{}
	for _, r := range rules {
		if r.FolderUID == nil || r.RuleGroup == nil {
			continue
		}
		key := *r.FolderUID + "/" + *r.RuleGroup
		isManaged := r.Labels[managed.RuleLabel] == managed.Owner
		if prev, seen := all[key]; seen {
			isManaged = isManaged && prev
		}
		all[key] = isManaged
	}
	var out []string
	for key, isManaged := range all {
		if isManaged {
			out = append(out, key)
		}
	}
	return out
}
