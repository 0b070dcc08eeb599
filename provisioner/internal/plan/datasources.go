package plan

import (
	"context"
	"errors"
	"fmt"

	"github.com/grafana/grafana-openapi-client-go/models"

	"github.com/scanium/openai-monitoring/provisioner/internal/desired"
	"github.com/scanium/openai-monitoring/provisioner/internal/grafana"
	"github.com/scanium/openai-monitoring/provisioner/internal/managed"
)

// datasourceAccess is how Grafana reaches every managed datasource: from
// its server.
const datasourceAccess = "proxy"

// datasourceDoc is the part of a datasource that the provisioner owns and
// compares; everything else (id, version, readOnly, secureJsonFields, ...)
// is Grafana's.
type datasourceDoc struct {
	Name      string `json:"name"`
	Type      string `json:"type"`
	Access    string `json:"access"`
	URL       string `json:"url"`
	IsDefault bool   `json:"isDefault"`
	BasicAuth bool   `json:"basicAuth"`
	User      string `json:"user"`
	Database  string `json:"database"`
	JSONData  any    `json:"jsonData"`
}

// datasourceKind is the linked Mimir, Loki and Tempo datasources. They come
// from the configuration, not the artifacts.
type datasourceKind struct{ sequential }

func (datasourceKind) Kind() Kind { return KindDatasource }

func (datasourceKind) plan(ctx context.Context, b *builder) error {
	list, err := b.c.Datasources(ctx)
	if err != nil {
		return fmt.Errorf("list datasources: %w", err)
	}
	byName := map[string]string{}
	for _, d := range list {
		byName[d.Name] = d.UID
	}
	wanted := map[string]bool{}
	for _, ds := range b.want.Datasources {
		wanted[ds.UID] = true
		if err := b.add(b.planDatasource(ctx, ds, byName)); err != nil {
			return err
		}
	}
	if !b.opts.Prune {
		return nil
	}
	var stale []string
	for _, d := range list {
		if !wanted[d.UID] && isManagedDatasource(d.JSONData) {
			stale = append(stale, d.UID)
		}
	}
	return b.addDeletes(KindDatasource, stale, b.c.DeleteDatasource)
}

func (b *builder) planDatasource(ctx context.Context, ds desired.Datasource, byName map[string]string) *Step {
	s := &Step{Kind: KindDatasource, Name: ds.UID}
	want := datasourceDoc{Name: ds.Name, Type: ds.Type, Access: datasourceAccess, URL: ds.URL, IsDefault: ds.IsDefault, JSONData: ds.JSONData}
	cur, err := b.c.Datasource(ctx, ds.UID)
	switch {
	case errors.Is(err, grafana.ErrNotFound):
		if other, ok := byName[ds.Name]; ok {
			return failed(s, fmt.Errorf("a datasource named %q already exists with uid %q: rename or delete it in Grafana, the provisioner needs uid %q", ds.Name, other, ds.UID))
		}
		s.Action = Create
		s.write = func(ctx context.Context) error {
			return b.c.CreateDatasource(ctx, &models.AddDataSourceCommand{
				UID: ds.UID, Name: ds.Name, Type: ds.Type, Access: datasourceAccess, URL: ds.URL,
				IsDefault: ds.IsDefault, JSONData: ds.JSONData,
			})
		}
		return s
	case err != nil:
		return failed(s, err)
	}
	current := datasourceDoc{
		Name: cur.Name, Type: cur.Type, Access: string(cur.Access), URL: cur.URL, IsDefault: cur.IsDefault,
		BasicAuth: cur.BasicAuth, User: cur.User, Database: cur.Database, JSONData: cur.JSONData,
	}
	if err := compare(s, current, want); err != nil {
		return failed(s, err)
	}
	version := cur.Version
	s.write = func(ctx context.Context) error {
		return b.c.UpdateDatasource(ctx, ds.UID, &models.UpdateDataSourceCommand{
			UID: ds.UID, Name: ds.Name, Type: ds.Type, Access: datasourceAccess, URL: ds.URL,
			IsDefault: ds.IsDefault, JSONData: ds.JSONData, Version: version,
		})
	}
	return s
}

// isManagedDatasource reads the mark in a datasource's jsonData.
func isManagedDatasource(jsonData any) bool {
	m, ok := jsonData.(map[string]any)
	return ok && m[managed.DatasourceField] == managed.Owner
}
