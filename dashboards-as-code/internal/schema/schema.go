// Package schema is the former home of the artifacts' typed decoding, which
// internal/bundle now holds.
//
// Deprecated: use github.com/scanium/openai-monitoring/internal/bundle; every
// name here is an alias of the bundle's.
package schema

import "github.com/scanium/openai-monitoring/internal/bundle"

// Layout of the generated directory.
//
// Deprecated: use the bundle's.
const (
	DashboardsDir          = bundle.DashboardsDir
	AlertingDir            = bundle.AlertingDir
	ContactPointsFile      = bundle.ContactPointsFile
	NotificationPolicyFile = bundle.NotificationPolicyFile
)

// Kind says what an artifact file holds.
//
// Deprecated: use bundle.Kind.
type Kind = bundle.Kind

// Kinds of artifact files.
//
// Deprecated: use the bundle's.
const (
	Unknown                = bundle.Unknown
	DashboardFile          = bundle.DashboardFile
	RuleGroupFile          = bundle.RuleGroupFile
	ContactPointsKind      = bundle.ContactPointsKind
	NotificationPolicyKind = bundle.NotificationPolicyKind
)

// Decoded artifacts.
//
// Deprecated: use the bundle's.
type (
	Dashboard         = bundle.Dashboard
	Panel             = bundle.Panel
	GridPos           = bundle.GridPos
	DatasourceRef     = bundle.DatasourceRef
	Target            = bundle.Target
	Variable          = bundle.Variable
	RuleGroup         = bundle.RuleGroup
	Rule              = bundle.Rule
	Query             = bundle.Query
	RelativeTimeRange = bundle.RelativeTimeRange
	QueryModel        = bundle.QueryModel
)

// KindOf classifies a path relative to the generated directory.
//
// Deprecated: use bundle.KindOf.
func KindOf(p string) Kind { return bundle.KindOf(p) }

// DecodeDashboard decodes a dashboard artifact.
//
// Deprecated: use bundle.DecodeDashboard.
func DecodeDashboard(data []byte) (Dashboard, error) { return bundle.DecodeDashboard(data) }

// DecodeRuleGroup decodes a rule group artifact.
//
// Deprecated: use bundle.DecodeRuleGroup.
func DecodeRuleGroup(data []byte) (RuleGroup, error) { return bundle.DecodeRuleGroup(data) }
