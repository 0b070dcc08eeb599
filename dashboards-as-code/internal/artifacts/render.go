// Package artifacts renders the dashboards, alert rule groups and
// notification settings to the JSON files of generated/, and keeps a
// directory equal to them: writing, pruning stale files, or reporting drift.
package artifacts

import (
	"fmt"
	"slices"

	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/alerts"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/dashboards"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/notifications"
	"github.com/scanium/openai-monitoring/internal/bundle"
)

// Set maps each artifact's slash-separated path, relative to the generated
// directory, to its content.
type Set map[string][]byte

// Paths returns the paths of the set in lexical order.
func (s Set) Paths() []string {
	paths := make([]string, 0, len(s))
	for p := range s {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return paths
}

// Render builds every artifact from the configuration: the registered
// dashboards (dashboards.All), the alert rule groups and the notification
// settings.
func Render(cfg config.Config) (Set, error) { return RenderWith(cfg, dashboards.All()) }

// RenderWith is Render with the dashboards of a registry.
func RenderWith(cfg config.Config, registry dashboards.Registry) (Set, error) {
	if err := registry.Check(); err != nil {
		return nil, err
	}
	set := Set{}

	for _, entry := range registry {
		d, err := entry.Build(cfg)
		if err != nil {
			return nil, err
		}
		if d.Uid == nil || *d.Uid != entry.UID {
			return nil, fmt.Errorf("dashboard %q of the registry builds a dashboard with uid %s: set Uid(%q) in its builder", entry.UID, uidText(d.Uid), entry.UID)
		}
		if err := set.add(bundle.DashboardPath(entry.UID), d, dropKeys("id")); err != nil {
			return nil, err
		}
	}

	groups, err := alerts.Build(cfg)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		if g.Title == nil {
			return nil, fmt.Errorf("a rule group has no title")
		}
		// orgID is the caller's organisation, set by Grafana on write.
		if err := set.add(bundle.RuleGroupPath(*g.Title), g, dropRuleKeys("orgID")); err != nil {
			return nil, err
		}
	}

	contactPoints, err := notifications.ContactPoints(cfg)
	if err != nil {
		return nil, err
	}
	if len(contactPoints) > 0 {
		if err := set.add(bundle.ContactPointsPath, contactPoints, nil); err != nil {
			return nil, err
		}
	}
	policy, ok, err := notifications.Policy(cfg)
	if err != nil {
		return nil, err
	}
	if ok {
		if err := set.add(bundle.NotificationPolicyPath, policy, nil); err != nil {
			return nil, err
		}
	}
	return set, nil
}

// uidText shows a built dashboard's uid in an error.
func uidText(uid *string) string {
	if uid == nil {
		return "none"
	}
	return fmt.Sprintf("%q", *uid)
}

func (s Set) add(p string, v any, normalise func(any)) error {
	if _, dup := s[p]; dup {
		return fmt.Errorf("two artifacts would be written to %s", p)
	}
	data, err := Canonical(v, normalise)
	if err != nil {
		return fmt.Errorf("encode %s: %w", p, err)
	}
	s[p] = data
	return nil
}

// dropKeys removes top-level keys of a JSON object.
func dropKeys(keys ...string) func(any) {
	return func(v any) {
		if obj, ok := v.(map[string]any); ok {
			for _, k := range keys {
				delete(obj, k)
			}
		}
	}
}

// dropRuleKeys removes keys of every rule of a rule group.
func dropRuleKeys(keys ...string) func(any) {
	drop := dropKeys(keys...)
	return func(v any) {
		obj, ok := v.(map[string]any)
		if !ok {
			return
		}
		rules, _ := obj["rules"].([]any)
		for _, r := range rules {
			drop(r)
		}
	}
}
