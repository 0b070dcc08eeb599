package bundle

import (
	"path"
	"strings"
)

// Layout of the generated directory.
const (
	// DashboardsDir holds one dashboard per file, named <uid>.json.
	DashboardsDir = "dashboards"
	// AlertingDir holds one rule group per file, named <title>.json, and the
	// two notification files below.
	AlertingDir = "alerting"
	// ContactPointsFile and NotificationPolicyFile are the only files of
	// AlertingDir that are not rule groups. Each is optional.
	ContactPointsFile      = "contact-points.json"
	NotificationPolicyFile = "notification-policy.json"
)

// Dirs lists the subdirectories of the generated directory, in the order
// their artifacts are applied: dashboards before the rules that link to them.
func Dirs() []string { return []string{DashboardsDir, AlertingDir} }

// DashboardPath is the slash-separated path, relative to the generated
// directory, of the dashboard with a uid.
func DashboardPath(uid string) string { return DashboardsDir + "/" + uid + ".json" }

// RuleGroupPath is the path of the rule group with a title.
func RuleGroupPath(title string) string { return AlertingDir + "/" + title + ".json" }

// ContactPointsPath and NotificationPolicyPath are the paths of the
// notification files.
const (
	ContactPointsPath      = AlertingDir + "/" + ContactPointsFile
	NotificationPolicyPath = AlertingDir + "/" + NotificationPolicyFile
)

// Kind says what an artifact file holds.
type Kind int

const (
	// Unknown is a file outside the layout.
	Unknown Kind = iota
	DashboardFile
	RuleGroupFile
	ContactPointsKind
	NotificationPolicyKind
)

func (k Kind) String() string {
	switch k {
	case DashboardFile:
		return "dashboard"
	case RuleGroupFile:
		return "rule group"
	case ContactPointsKind:
		return "contact points"
	case NotificationPolicyKind:
		return "notification policy"
	}
	return "unknown"
}

// KindOf classifies a slash-separated path relative to the generated
// directory.
func KindOf(p string) Kind {
	dir, file := path.Split(p)
	if !strings.HasSuffix(file, ".json") {
		return Unknown
	}
	switch strings.TrimSuffix(dir, "/") {
	case DashboardsDir:
		return DashboardFile
	case AlertingDir:
		switch file {
		case ContactPointsFile:
			return ContactPointsKind
		case NotificationPolicyFile:
			return NotificationPolicyKind
		}
		return RuleGroupFile
	}
	return Unknown
}
