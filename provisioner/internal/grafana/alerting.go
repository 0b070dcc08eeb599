package grafana

import (
	"context"

	"github.com/grafana/grafana-openapi-client-go/client/provisioning"
	"github.com/grafana/grafana-openapi-client-go/models"
)

// AlertRules lists every alert rule of the organization, with its
// provenance (the rule-group endpoint does not report it).
func (c *Client) AlertRules(ctx context.Context) (models.ProvisionedAlertRules, error) {
	var out models.ProvisionedAlertRules
	err := c.call(ctx, func(ctx context.Context) error {
		resp, err := c.provisioning.GetAlertRulesWithParams(provisioning.NewGetAlertRulesParamsWithContext(ctx))
		if err == nil {
			out = resp.Payload
		}
		return err
	})
	return out, err
}

// RuleGroup returns a rule group; ErrNotFound when there is none.
func (c *Client) RuleGroup(ctx context.Context, folderUID, group string) (*models.AlertRuleGroup, error) {
	var out *models.AlertRuleGroup
	err := c.call(ctx, func(ctx context.Context) error {
		resp, err := c.provisioning.GetAlertRuleGroupWithParams(provisioning.NewGetAlertRuleGroupParamsWithContext(ctx).
			WithFolderUID(folderUID).WithGroup(group))
		if err == nil {
			out = resp.Payload
		}
		return err
	})
	return out, err
}

// PutRuleGroup creates or replaces a whole rule group.
func (c *Client) PutRuleGroup(ctx context.Context, g *models.AlertRuleGroup) error {
	return c.call(ctx, func(ctx context.Context) error {
		_, err := c.provisioning.PutAlertRuleGroup(provisioning.NewPutAlertRuleGroupParamsWithContext(ctx).
			WithFolderUID(g.FolderUID).WithGroup(g.Title).WithBody(g).WithXDisableProvenance(c.provenanceHeader()))
		return err
	})
}

// DeleteRuleGroup deletes a rule group and its rules.
func (c *Client) DeleteRuleGroup(ctx context.Context, folderUID, group string) error {
	return c.call(ctx, func(ctx context.Context) error {
		_, err := c.provisioning.DeleteAlertRuleGroupWithParams(provisioning.NewDeleteAlertRuleGroupParamsWithContext(ctx).
			WithFolderUID(folderUID).WithGroup(group))
		return err
	})
}

// ContactPoints lists every contact point; secret settings come back as
// "[REDACTED]".
func (c *Client) ContactPoints(ctx context.Context) (models.ContactPoints, error) {
	var out models.ContactPoints
	err := c.call(ctx, func(ctx context.Context) error {
		resp, err := c.provisioning.GetContactpoints(provisioning.NewGetContactpointsParamsWithContext(ctx))
		if err == nil {
			out = resp.Payload
		}
		return err
	})
	return out, err
}

// CreateContactPoint creates a contact point with the uid it carries.
func (c *Client) CreateContactPoint(ctx context.Context, cp *models.EmbeddedContactPoint) error {
	return c.call(ctx, func(ctx context.Context) error {
		_, err := c.provisioning.PostContactpoints(provisioning.NewPostContactpointsParamsWithContext(ctx).
			WithBody(cp).WithXDisableProvenance(c.provenanceHeader()))
		return err
	})
}

// UpdateContactPoint replaces the contact point with cp.UID.
func (c *Client) UpdateContactPoint(ctx context.Context, cp *models.EmbeddedContactPoint) error {
	return c.call(ctx, func(ctx context.Context) error {
		_, err := c.provisioning.PutContactpoint(provisioning.NewPutContactpointParamsWithContext(ctx).
			WithUID(cp.UID).WithBody(cp).WithXDisableProvenance(c.provenanceHeader()))
		return err
	})
}

// DeleteContactPoint deletes the contact point with uid.
func (c *Client) DeleteContactPoint(ctx context.Context, uid string) error {
	return c.call(ctx, func(ctx context.Context) error {
		_, err := c.provisioning.DeleteContactpointsWithParams(provisioning.NewDeleteContactpointsParamsWithContext(ctx).WithUID(uid))
		return err
	})
}

// PolicyTree returns the notification policy tree, with its provenance.
func (c *Client) PolicyTree(ctx context.Context) (*models.Route, error) {
	var out *models.Route
	err := c.call(ctx, func(ctx context.Context) error {
		resp, err := c.provisioning.GetPolicyTreeWithParams(provisioning.NewGetPolicyTreeParamsWithContext(ctx))
		if err == nil {
			out = resp.Payload
		}
		return err
	})
	return out, err
}

// PutPolicyTree replaces the notification policy tree.
func (c *Client) PutPolicyTree(ctx context.Context, root *models.Route) error {
	return c.call(ctx, func(ctx context.Context) error {
		_, err := c.provisioning.PutPolicyTree(provisioning.NewPutPolicyTreeParamsWithContext(ctx).
			WithBody(root).WithXDisableProvenance(c.provenanceHeader()))
		return err
	})
}
