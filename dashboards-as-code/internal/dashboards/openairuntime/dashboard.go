// Package openairuntime builds the "Scanium - OpenAI Runtime" dashboard: the
// requests, errors, latency, tokens, rate limits and estimated spend of the
// backend's OpenAI calls (set against OpenAI's bill when the billing
// exporter runs), the health of its own API, and the log lines and spans to
// drill down to. Build holds the settings and variables; each row's
// panels live in a file named after the row.
package openairuntime

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/grafana"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/promexpr"
	"github.com/scanium/openai-monitoring/internal/bundle"
)

// Identity of the dashboard.
const (
	UID   = bundle.OpenAIRuntimeDashboardUID
	Title = "Scanium - OpenAI Runtime"
)

// Variables.
const (
	datasourceVariable = "datasource"
	modelVariable      = "model"
)

// Build returns the dashboard, its thresholds and prices taken from cfg.
func Build(cfg config.Config) (dashboard.Dashboard, error) {
	builder := dashboard.NewDashboardBuilder(Title).
		Uid(UID).
		Description("OpenAI API calls of the Scanium assistant backend: traffic, errors, latency, tokens, rate limits and estimated spend, reconciled with OpenAI's bill when the billing exporter runs; the backend's own API; its error logs (Loki) and failed and slow OpenAI calls (Tempo). Generated from dashboards-as-code; edits in Grafana are overwritten.").
		Tags([]string{"scanium", "openai", "generated"}).
		Editable().
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		Refresh("30s").
		Time("now-6h", "now").
		Timezone("browser").
		Annotation(alertAnnotations()).
		Link(dashboard.NewDashboardLinkBuilder("Runbooks").
			Type(dashboard.DashboardLinkTypeLink).
			Url(cfg.RunbookURL).
			TargetBlank(true).
			Icon("doc")).
		WithVariable(datasourceVariableBuilder()).
		WithVariable(modelVariableBuilder())

	builder = overviewRow(builder, cfg)
	builder = sloRow(builder, cfg)
	builder = requestsRow(builder, cfg)
	builder = latencyRow(builder, cfg)
	builder = tokensRow(builder)
	builder = rateLimitsRow(builder, cfg)
	builder = costRow(builder, cfg)
	builder = apiRow(builder)
	builder = logsAndTracesRow(builder, cfg)

	d, err := builder.Build()
	if err != nil {
		return dashboard.Dashboard{}, fmt.Errorf("build dashboard %s: %w", UID, err)
	}
	return d, nil
}

// alertAnnotations is Grafana's built-in annotation: alert state changes and
// annotations added by hand, on every graph.
func alertAnnotations() *dashboard.AnnotationQueryBuilder {
	return dashboard.NewAnnotationQueryBuilder().
		Name("Annotations & Alerts").
		Datasource(grafana.DatasourceRef("grafana", "-- Grafana --")).
		Type("dashboard").
		BuiltIn(1).
		Enable(true).
		Hide(true).
		IconColor("rgba(0, 211, 255, 1)")
}

// datasourceVariableBuilder picks the Prometheus datasource; Mimir by default.
func datasourceVariableBuilder() *dashboard.DatasourceVariableBuilder {
	return dashboard.NewDatasourceVariableBuilder(datasourceVariable).
		Label("Data source").
		Type(bundle.PrometheusType).
		Current(dashboard.VariableOption{
			Selected: cog.ToPtr(true),
			Text:     dashboard.StringOrArrayOfString{String: cog.ToPtr(bundle.MimirName)},
			Value:    dashboard.StringOrArrayOfString{String: cog.ToPtr(bundle.MimirUID)},
		})
}

// modelVariableBuilder picks models among those that served requests; "All"
// matches every model, including ones that appear later.
func modelVariableBuilder() *dashboard.QueryVariableBuilder {
	query := promexpr.LabelValues(m.RequestsTotal, m.LabelModel)
	return dashboard.NewQueryVariableBuilder(modelVariable).
		Label("Model").
		Description("OpenAI models the backend called").
		Datasource(datasource()).
		Query(dashboard.StringOrMap{String: cog.ToPtr(query)}).
		Definition(query).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
		Sort(dashboard.VariableSortAlphabeticalCaseInsensitiveAsc).
		Multi(true).
		IncludeAll(true).
		AllValue(".+").
		Current(dashboard.VariableOption{
			Selected: cog.ToPtr(true),
			Text:     dashboard.StringOrArrayOfString{ArrayOfString: []string{"All"}},
			Value:    dashboard.StringOrArrayOfString{ArrayOfString: []string{"$__all"}},
		})
}
