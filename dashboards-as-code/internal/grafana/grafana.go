// Package grafana holds the fixed identities the artifacts refer to: the
// folder they live in and the datasources their queries use (DESIGN.md,
// decision 6).
package grafana

import "github.com/grafana/grafana-foundation-sdk/go/common"

// The folder of every generated dashboard and alert rule.
const (
	FolderUID   = "scanium"
	FolderTitle = "Scanium"
)

// Datasources.
const (
	// MimirUID is the Prometheus-type datasource every PromQL query uses.
	MimirUID = "mimir"
	// PrometheusType is the plugin type of the Mimir datasource.
	PrometheusType = "prometheus"
	// LokiUID is the Loki datasource every LogQL query uses.
	LokiUID  = "loki"
	LokiType = "loki"
	// TempoUID is the Tempo datasource every TraceQL query uses.
	TempoUID  = "tempo"
	TempoType = "tempo"
	// ExpressionUID is the datasource uid (and type) of server-side
	// expressions in alert rules: reduce, threshold, math.
	ExpressionUID = "__expr__"
)

// DatasourceRef is a reference to a datasource by type and uid; the uid may
// be a dashboard variable such as ${datasource}.
func DatasourceRef(typ, uid string) common.DataSourceRef {
	return common.DataSourceRef{Type: &typ, Uid: &uid}
}
