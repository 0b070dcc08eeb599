package plan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"

	"github.com/grafana/grafana-openapi-client-go/models"

	"github.com/scanium/openai-monitoring/provisioner/internal/artifact"
	"github.com/scanium/openai-monitoring/provisioner/internal/desired"
	"github.com/scanium/openai-monitoring/provisioner/internal/grafana"
	"github.com/scanium/openai-monitoring/provisioner/internal/jsondiff"
	"github.com/scanium/openai-monitoring/provisioner/internal/managed"
)

// serverOwnedDashboardFields are set by Grafana on every save.
var serverOwnedDashboardFields = []string{"id", "version"}

// dashboardKind is the dashboards of the artifacts, in the managed folder,
// read and written -concurrency at a time.
type dashboardKind struct{ concurrent }

func (dashboardKind) Kind() Kind { return KindDashboard }

func (dashboardKind) describe(b *artifact.Bundle) string {
	return plural(len(b.Dashboards), "dashboard")
}

func (dashboardKind) artifacts(b *artifact.Bundle) ([]Resource, error) {
	var out []Resource
	for _, d := range b.Dashboards {
		doc, err := jsondiff.Normalize(withoutKeys(d.Model, serverOwnedDashboardFields))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", d.File, err)
		}
		out = append(out, Resource{Kind: KindDashboard, Name: d.UID, Title: d.Title, Doc: doc})
	}
	return out, nil
}

func (dashboardKind) plan(ctx context.Context, b *builder) error {
	list := b.want.Dashboards
	err := ordered(ctx, len(list), b.opts.concurrency(),
		func(ctx context.Context, i int) *Step { return b.planDashboard(ctx, list[i]) },
		b.add)
	if err != nil || !b.opts.Prune {
		return err
	}

	hits, err := b.c.SearchDashboards(ctx, managed.DashboardTag)
	if err != nil {
		return fmt.Errorf("list managed dashboards: %w", err)
	}
	wanted := map[string]bool{}
	for _, d := range list {
		wanted[d.UID] = true
	}
	var stale []string
	for _, h := range hits {
		if !wanted[h.UID] {
			stale = append(stale, h.UID)
		}
	}
	return b.addDeletes(KindDashboard, stale, b.c.DeleteDashboard)
}

func (b *builder) planDashboard(ctx context.Context, d desired.Dashboard) *Step {
	s := &Step{Kind: KindDashboard, Name: d.UID}
	folder := b.want.Folder.UID
	cur, err := b.c.Dashboard(ctx, d.UID)
	switch {
	case errors.Is(err, grafana.ErrNotFound):
		s.Action = Create
		s.write = func(ctx context.Context) error { return b.saveDashboard(ctx, d.Model, folder, 0) }
		return s
	case err != nil:
		return failed(s, err)
	}

	current, ok := cur.Dashboard.(map[string]any)
	if !ok || cur.Meta == nil {
		return failed(s, fmt.Errorf("GET /api/dashboards/uid/%s: the answer has no dashboard model", d.UID))
	}
	if cur.Meta.FolderUID != folder {
		s.Changes = append(s.Changes, jsondiff.Change{Path: "(folder)", Op: jsondiff.Changed, From: cur.Meta.FolderUID, To: folder})
	}
	if err := compare(s, withoutKeys(current, serverOwnedDashboardFields), withoutKeys(d.Model, serverOwnedDashboardFields)); err != nil {
		return failed(s, err)
	}
	if s.Action == Unchanged {
		return s
	}
	// Save as Grafana's UI does: over the version read, so that a save by
	// someone else in between fails (412) instead of being lost.
	version := cur.Meta.Version
	if n, ok := current["version"].(json.Number); ok {
		if v, err := n.Int64(); err == nil {
			version = v
		}
	}
	s.write = func(ctx context.Context) error { return b.saveDashboard(ctx, d.Model, folder, version) }

	// Say when the difference is an edit made in Grafana since the last
	// apply: its newest version was not saved by the provisioner.
	latest, err := b.c.LatestDashboardVersion(ctx, d.UID)
	switch {
	case err != nil && isFatal(err):
		return failed(s, err)
	case err != nil:
		s.Note = fmt.Sprintf("could not read its version history: %v", err)
	case latest != nil && latest.Message != SaveMessage:
		who := latest.CreatedBy
		if who == "" {
			who = "someone"
		}
		s.Note = fmt.Sprintf("edited in Grafana by %s since the last apply (version %d)", who, latest.Version)
		s.EditedBy = who
	}
	return s
}

// saveDashboard saves model into folder. version is the version the plan
// read (0 to create): should someone save the dashboard in between,
// Grafana answers 412 instead of losing their change silently.
func (b *builder) saveDashboard(ctx context.Context, model map[string]any, folder string, version int64) error {
	body := maps.Clone(model)
	if version != 0 {
		body["version"] = json.Number(fmt.Sprint(version))
	}
	_, err := b.c.SaveDashboard(ctx, &models.SaveDashboardCommand{
		Dashboard: body, FolderUID: folder, Message: SaveMessage,
	})
	return err
}

// withoutKeys returns a shallow copy of m without keys.
func withoutKeys(m map[string]any, keys []string) map[string]any {
	out := maps.Clone(m)
	for _, k := range keys {
		delete(out, k)
	}
	return out
}
