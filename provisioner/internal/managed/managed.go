// Package managed names the marks the provisioner leaves on everything it
// creates in Grafana, so that --prune deletes its own resources and nothing
// else. The identities of DESIGN.md (folder, datasources) are the bundle's
// (internal/bundle).
//
// The convention, per kind:
//
//   - folder: the one folder, uid "scanium"; never pruned.
//   - datasource: jsonData.managedBy = "scanium-provisioner".
//   - dashboard: the tag "managed-by:scanium-provisioner".
//   - alert rule: the label managed_by = "scanium-provisioner"; a rule group
//     is managed when every rule in it carries the label.
//   - contact point: a uid that starts with "scanium-".
//   - notification policy: managed when notification-policy.json exists;
//     never pruned (the tree is one per organization).
package managed

// Owner is the value of every mark.
const Owner = "scanium-provisioner"

// Marks left on managed resources.
const (
	// DashboardTag is added to the tags of every dashboard.
	DashboardTag = "managed-by:" + Owner
	// RuleLabel is added to the labels of every alert rule, with value Owner.
	RuleLabel = "managed_by"
	// DatasourceField is set in the jsonData of every datasource, with value
	// Owner.
	DatasourceField = "managedBy"
	// ContactPointUIDPrefix starts the uid of every managed contact point.
	ContactPointUIDPrefix = "scanium-"
)
