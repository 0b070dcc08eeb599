// Package desired is the state the provisioner makes Grafana match: the
// Scanium folder, the three correlated datasources, and the artifacts of a
// bundle, each carrying the mark of a managed resource (see package
// managed).
package desired

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/go-openapi/strfmt"
	"github.com/grafana/grafana-openapi-client-go/models"

	"github.com/scanium/openai-monitoring/internal/bundle"
	"github.com/scanium/openai-monitoring/provisioner/config"
	"github.com/scanium/openai-monitoring/provisioner/internal/artifact"
	"github.com/scanium/openai-monitoring/provisioner/internal/managed"
)

// Folder is the folder everything goes into.
type Folder struct {
	UID, Title string
}

// Dashboard is a dashboard to save: the artifact's model with the managed
// tag added.
type Dashboard struct {
	UID, Title, File string
	Model            map[string]any
}

// RuleGroup is a rule group to put: the artifact's group with the managed
// label on every rule and server-owned fields cleared.
type RuleGroup struct {
	File  string
	Group *models.AlertRuleGroup
}

// Key identifies the group: folder UID and title.
func (g RuleGroup) Key() string { return g.Group.FolderUID + "/" + g.Group.Title }

// State is everything the provisioner manages.
type State struct {
	Folder      Folder
	Datasources []Datasource
	Dashboards  []Dashboard
	RuleGroups  []RuleGroup
	// ContactPoints is nil when contact points are not generated.
	ContactPoints []*models.EmbeddedContactPoint
	// Policy is nil when the notification policy is not generated.
	Policy *models.Route
}

// Build makes the desired state of a loaded bundle, with the datasource URLs
// of cfg. The ${NAME} references of contact-point settings are expanded from
// cfg.Getenv; without it (offline validation) they stay as they are. The
// bundle is not modified.
func Build(cfg config.Config, b *artifact.Bundle) (*State, error) {
	s := &State{
		Folder:      Folder{UID: bundle.FolderUID, Title: bundle.FolderTitle},
		Datasources: Datasources(cfg),
	}
	for _, d := range b.Dashboards {
		model, err := copyJSON(d.Model)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", d.File, err)
		}
		delete(model, "id")
		delete(model, "version")
		model["tags"] = withTag(model["tags"], managed.DashboardTag)
		s.Dashboards = append(s.Dashboards, Dashboard{UID: d.UID, Title: d.Title, File: d.File, Model: model})
	}
	for _, g := range b.RuleGroups {
		group, err := copyJSON(g.Group)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", g.File, err)
		}
		for _, r := range group.Rules {
			r.ID, r.OrgID, r.Provenance, r.Updated = 0, nil, "", strfmt.DateTime{}
			if r.Labels == nil {
				r.Labels = map[string]string{}
			}
			r.Labels[managed.RuleLabel] = managed.Owner
		}
		s.RuleGroups = append(s.RuleGroups, RuleGroup{File: g.File, Group: group})
	}
	if b.ContactPoints != nil {
		cps, err := copyJSON(b.ContactPoints)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.ContactPointsFile, err)
		}
		for _, cp := range cps {
			cp.Provenance = ""
		}
		if cfg.Getenv != nil {
			if err := expandContactPoints(b.ContactPointsFile, cps, cfg.Getenv); err != nil {
				return nil, err
			}
		}
		s.ContactPoints = cps
	}
	if b.Policy != nil {
		policy, err := copyJSON(b.Policy)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.PolicyFile, err)
		}
		clearProvenance(policy)
		s.Policy = policy
	}
	return s, nil
}

// withTag returns the tags with tag appended when it is missing.
func withTag(tags any, tag string) []any {
	list, _ := tags.([]any)
	out := slices.Clone(list)
	for _, t := range out {
		if t == tag {
			return out
		}
	}
	return append(out, tag)
}

func clearProvenance(r *models.Route) {
	r.Provenance = ""
	for _, c := range r.Routes {
		if c != nil {
			clearProvenance(c)
		}
	}
}

// copyJSON deep-copies v through JSON, keeping numbers exact.
func copyJSON[T any](v T) (T, error) {
	var out T
	raw, err := json.Marshal(v)
	if err != nil {
		return out, fmt.Errorf("copy: %w", err)
	}
	if err := decodeNumbers(raw, &out); err != nil {
		return out, fmt.Errorf("copy: %w", err)
	}
	return out, nil
}

func decodeNumbers(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}
