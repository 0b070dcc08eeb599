package bundle

import (
	"regexp"
	"slices"
)

// The folder of every generated dashboard and alert rule group.
const (
	FolderUID   = "scanium"
	FolderTitle = "Scanium"
)

// The datasources every query of the artifacts uses: their uids, their
// names in Grafana and their plugin types.
const (
	// MimirUID is the Prometheus-type datasource every PromQL query uses.
	MimirUID  = "mimir"
	MimirName = "Mimir"
	// PrometheusType is the plugin type of the Mimir datasource.
	PrometheusType = "prometheus"
	// LokiUID is the Loki datasource every LogQL query uses.
	LokiUID  = "loki"
	LokiName = "Loki"
	LokiType = "loki"
	// TempoUID is the Tempo datasource every TraceQL query uses.
	TempoUID  = "tempo"
	TempoName = "Tempo"
	TempoType = "tempo"
	// ExpressionUID is the datasource uid (and type) of server-side
	// expressions in alert rules: reduce, threshold, math.
	ExpressionUID = "__expr__"
)

// The generated dashboards' uids; dashboards-as-code's registry lists the
// dashboards that have them.
const (
	// OpenAIRuntimeDashboardUID is the dashboard of the OpenAI runtime.
	OpenAIRuntimeDashboardUID = "scanium-openai-runtime"
)

// DatasourceUIDs lists the managed datasources' uids.
func DatasourceUIDs() []string { return []string{MimirUID, LokiUID, TempoUID} }

// DatasourceNames lists the managed datasources' names, in the order of
// DatasourceUIDs.
func DatasourceNames() []string { return []string{MimirName, LokiName, TempoName} }

// IsDatasourceUID reports whether uid names a managed datasource.
func IsDatasourceUID(uid string) bool { return slices.Contains(DatasourceUIDs(), uid) }

// IsDatasourceName reports whether name is a managed datasource's name,
// which old dashboards use as a string reference.
func IsDatasourceName(name string) bool { return slices.Contains(DatasourceNames(), name) }

// UIDPattern is what Grafana accepts as the uid of a dashboard, an alert
// rule or a contact point.
const UIDPattern = `^[a-zA-Z0-9_-]{1,40}$`

// UIDRule says UIDPattern in words, for error messages.
const UIDRule = "1 to 40 letters, digits, '-' or '_'"

var uidPattern = regexp.MustCompile(UIDPattern)

// ValidUID reports whether Grafana accepts uid.
func ValidUID(uid string) bool { return uidPattern.MatchString(uid) }
