package grafana

import (
	"context"

	"github.com/grafana/grafana-openapi-client-go/client/datasources"
	"github.com/grafana/grafana-openapi-client-go/models"
)

// Datasource returns the datasource with uid; ErrNotFound when there is
// none.
func (c *Client) Datasource(ctx context.Context, uid string) (*models.DataSource, error) {
	var out *models.DataSource
	err := c.call(ctx, func(ctx context.Context) error {
		resp, err := c.datasources.GetDataSourceByUIDWithParams(datasources.NewGetDataSourceByUIDParamsWithContext(ctx).WithUID(uid))
		if err == nil {
			out = resp.Payload
		}
		return err
	})
	return out, err
}

// Datasources lists every datasource of the organization.
func (c *Client) Datasources(ctx context.Context) (models.DataSourceList, error) {
	var out models.DataSourceList
	err := c.call(ctx, func(ctx context.Context) error {
		resp, err := c.datasources.GetDataSourcesWithParams(datasources.NewGetDataSourcesParamsWithContext(ctx))
		if err == nil {
			out = resp.Payload
		}
		return err
	})
	return out, err
}

// CreateDatasource adds a datasource.
func (c *Client) CreateDatasource(ctx context.Context, cmd *models.AddDataSourceCommand) error {
	return c.call(ctx, func(ctx context.Context) error {
		_, err := c.datasources.AddDataSourceWithParams(datasources.NewAddDataSourceParamsWithContext(ctx).WithBody(cmd))
		return err
	})
}

// UpdateDatasource replaces a datasource's settings; cmd.Version is the one
// read, so that a concurrent change fails (409) rather than being lost.
func (c *Client) UpdateDatasource(ctx context.Context, uid string, cmd *models.UpdateDataSourceCommand) error {
	return c.call(ctx, func(ctx context.Context) error {
		_, err := c.datasources.UpdateDataSourceByUIDWithParams(datasources.NewUpdateDataSourceByUIDParamsWithContext(ctx).
			WithUID(uid).WithBody(cmd))
		return err
	})
}

// DeleteDatasource deletes the datasource with uid.
func (c *Client) DeleteDatasource(ctx context.Context, uid string) error {
	return c.call(ctx, func(ctx context.Context) error {
		_, err := c.datasources.DeleteDataSourceByUIDWithParams(datasources.NewDeleteDataSourceByUIDParamsWithContext(ctx).WithUID(uid))
		return err
	})
}
