package grafana

import (
	"context"

	"github.com/grafana/grafana-openapi-client-go/client/dashboards"
	"github.com/grafana/grafana-openapi-client-go/client/search"
	"github.com/grafana/grafana-openapi-client-go/models"
)

// maxLoginLen bounds the login of who saved a dashboard, as printed.
const maxLoginLen = 100

// searchPageSize is the page size of dashboard searches.
const searchPageSize = 1000

// Dashboard returns the dashboard with uid and its meta; ErrNotFound when
// there is none.
func (c *Client) Dashboard(ctx context.Context, uid string) (*models.DashboardFullWithMeta, error) {
	var out *models.DashboardFullWithMeta
	err := c.call(ctx, func(ctx context.Context) error {
		resp, err := c.dashboards.GetDashboardByUIDWithParams(dashboards.NewGetDashboardByUIDParamsWithContext(ctx).WithUID(uid))
		if err == nil {
			out = resp.Payload
		}
		return err
	})
	return out, err
}

// LatestDashboardVersion returns the newest entry of the dashboard's
// version history: who saved it last, and with what message.
func (c *Client) LatestDashboardVersion(ctx context.Context, uid string) (*models.DashboardVersionMeta, error) {
	var out *models.DashboardVersionMeta
	err := c.call(ctx, func(ctx context.Context) error {
		limit := int64(1)
		resp, err := c.dashboards.GetDashboardVersionsByUID(dashboards.NewGetDashboardVersionsByUIDParamsWithContext(ctx).
			WithUID(uid).WithLimit(&limit))
		if err == nil && resp.Payload != nil && len(resp.Payload.Versions) > 0 && resp.Payload.Versions[0] != nil {
			out = resp.Payload.Versions[0]
			// Who saved it is printed: Grafana's text, redacted and capped.
			out.CreatedBy = serverText(c.redact, out.CreatedBy, maxLoginLen)
		}
		return err
	})
	return out, err
}

// SearchDashboards lists the dashboards that carry tag, every page.
func (c *Client) SearchDashboards(ctx context.Context, tag string) ([]*models.Hit, error) {
	var out []*models.Hit
	for page := int64(1); ; page++ {
		var hits models.HitList
		err := c.call(ctx, func(ctx context.Context) error {
			typ, limit, p := "dash-db", int64(searchPageSize), page
			resp, err := c.search.Search(search.NewSearchParamsWithContext(ctx).
				WithType(&typ).WithTag([]string{tag}).WithLimit(&limit).WithPage(&p))
			if err == nil {
				hits = resp.Payload
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		out = append(out, hits...)
		if len(hits) < searchPageSize {
			return out, nil
		}
	}
}

// SaveDashboard creates or updates a dashboard (POST /api/dashboards/db).
func (c *Client) SaveDashboard(ctx context.Context, cmd *models.SaveDashboardCommand) (*models.PostDashboardOKBody, error) {
	var out *models.PostDashboardOKBody
	err := c.call(ctx, func(ctx context.Context) error {
		resp, err := c.dashboards.PostDashboardWithParams(dashboards.NewPostDashboardParamsWithContext(ctx).WithBody(cmd))
		if err == nil {
			out = resp.Payload
		}
		return err
	})
	return out, err
}

// DeleteDashboard deletes the dashboard with uid.
func (c *Client) DeleteDashboard(ctx context.Context, uid string) error {
	return c.call(ctx, func(ctx context.Context) error {
		_, err := c.dashboards.DeleteDashboardByUIDWithParams(dashboards.NewDeleteDashboardByUIDParamsWithContext(ctx).WithUID(uid))
		return err
	})
}
