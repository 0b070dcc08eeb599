// Package grafana builds the Foundation SDK's references to the fixed
// datasources of the bundle (internal/bundle declares their identities).
package grafana

import (
	"github.com/grafana/grafana-foundation-sdk/go/common"

	"github.com/scanium/openai-monitoring/internal/bundle"
)

// DatasourceRef is a reference to a datasource by type and uid; the uid may
// be a dashboard variable such as ${datasource}.
func DatasourceRef(typ, uid string) common.DataSourceRef {
	return common.DataSourceRef{Type: &typ, Uid: &uid}
}

// Mimir, Loki and Tempo are the references to the bundle's datasources.
func Mimir() common.DataSourceRef { return DatasourceRef(bundle.PrometheusType, bundle.MimirUID) }
func Loki() common.DataSourceRef  { return DatasourceRef(bundle.LokiType, bundle.LokiUID) }
func Tempo() common.DataSourceRef { return DatasourceRef(bundle.TempoType, bundle.TempoUID) }
