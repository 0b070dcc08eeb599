package grafana

import (
	"context"

	"github.com/grafana/grafana-openapi-client-go/client/folders"
	"github.com/grafana/grafana-openapi-client-go/models"
)

// Folder returns the folder with uid; ErrNotFound when there is none.
func (c *Client) Folder(ctx context.Context, uid string) (*models.Folder, error) {
	var out *models.Folder
	err := c.call(ctx, func(ctx context.Context) error {
		resp, err := c.folders.GetFolderByUIDWithParams(folders.NewGetFolderByUIDParamsWithContext(ctx).WithFolderUID(uid))
		if err == nil {
			out = resp.Payload
		}
		return err
	})
	return out, err
}

// CreateFolder creates a top-level folder.
func (c *Client) CreateFolder(ctx context.Context, uid, title string) error {
	return c.call(ctx, func(ctx context.Context) error {
		_, err := c.folders.CreateFolderWithParams(folders.NewCreateFolderParamsWithContext(ctx).
			WithBody(&models.CreateFolderCommand{UID: uid, Title: title}))
		return err
	})
}

// UpdateFolder renames a folder; version is the one read, so that a
// concurrent change fails (412) rather than being lost.
func (c *Client) UpdateFolder(ctx context.Context, uid, title string, version int64) error {
	return c.call(ctx, func(ctx context.Context) error {
		_, err := c.folders.UpdateFolderWithParams(folders.NewUpdateFolderParamsWithContext(ctx).
			WithFolderUID(uid).
			WithBody(&models.UpdateFolderCommand{Title: title, Version: version}))
		return err
	})
}
