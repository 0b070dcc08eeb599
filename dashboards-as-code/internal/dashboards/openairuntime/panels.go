package openairuntime

import (
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
	"github.com/prometheus/common/model"

	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/grafana"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/promexpr"
	"github.com/scanium/openai-monitoring/internal/bundle"
)

// Units, as Grafana names them.
const (
	unitRequestsPerSecond = "reqps"
	unitSeconds           = "s"
	unitPercent           = "percent"
	unitTokensPerMinute   = "count:tok/min"
	unitRequests          = "count:req"
	unitTokens            = "count:tok"
	unitUSD               = "currencyUSD"
	unitTimes             = "suffix:×"
)

// Threshold colours.
const (
	colorOK       = "green"
	colorWarning  = "orange"
	colorCritical = "red"
	colorNeutral  = "text"
)

// scope restricts every panel query to the models picked in $model.
func scope() promexpr.Scope { return promexpr.ModelVariable(modelVariable) }

// window is the rate window of every panel query.
const window = promexpr.RateInterval

// datasource is the dashboard's datasource variable.
func datasource() common.DataSourceRef {
	return grafana.DatasourceRef(bundle.PrometheusType, "${"+datasourceVariable+"}")
}

// prometheusQuery is a range query; refID names it within its panel.
func prometheusQuery(refID, expr, legend string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().
		RefId(refID).
		Datasource(datasource()).
		Expr(expr).
		LegendFormat(legend).
		Range()
}

// instantQuery is a query for the value at the end of the time range.
func instantQuery(refID, expr, legend string) *prometheus.DataqueryBuilder {
	return prometheusQuery(refID, expr, legend).Instant()
}

// legend names a series by labels: {{model}} · {{status}}.
func legend(labels ...string) string {
	parts := make([]string, len(labels))
	for i, l := range labels {
		parts[i] = "{{" + l + "}}"
	}
	return strings.Join(parts, " · ")
}

// thresholds starts at base and changes colour at each step, in order.
func thresholds(base string, steps ...dashboard.Threshold) *dashboard.ThresholdsConfigBuilder {
	return dashboard.NewThresholdsConfigBuilder().
		Mode(dashboard.ThresholdsModeAbsolute).
		Steps(append([]dashboard.Threshold{{Color: base}}, steps...))
}

// at is a threshold step: from value on, colour.
func at(value float64, color string) dashboard.Threshold {
	return dashboard.Threshold{Value: cog.ToPtr(value), Color: color}
}

func defaultStat() *stat.PanelBuilder {
	return stat.NewPanelBuilder().
		Datasource(datasource()).
		Height(4).
		Span(6).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"})).
		ColorMode(common.BigValueColorModeValue).
		GraphMode(common.BigValueGraphModeArea).
		TextMode(common.BigValueTextModeValue).
		Orientation(common.VizOrientationAuto)
}

func defaultTimeseries() *timeseries.PanelBuilder {
	return timeseries.NewPanelBuilder().
		Datasource(datasource()).
		Height(8).
		Span(12).
		Min(0).
		LineWidth(1).
		FillOpacity(10).
		ShowPoints(common.VisibilityModeNever).
		Legend(tableLegend()).
		Tooltip(common.NewVizTooltipOptionsBuilder().
			Mode(common.TooltipDisplayModeMulti).
			Sort(common.SortOrderDescending))
}

// tableLegend lists each series below the graph with its mean, max and last
// value, sorted by the last.
func tableLegend() *common.VizLegendOptionsBuilder {
	return common.NewVizLegendOptionsBuilder().
		DisplayMode(common.LegendDisplayModeTable).
		Placement(common.LegendPlacementBottom).
		ShowLegend(true).
		Calcs([]string{"mean", "max", "lastNotNull"}).
		SortBy("Last *").
		SortDesc(true)
}

// thresholdLines draws the thresholds as dashed lines on a graph.
func thresholdLines() *common.GraphThresholdsStyleConfigBuilder {
	return common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeDashed)
}

func defaultBarGauge() *bargauge.PanelBuilder {
	return bargauge.NewPanelBuilder().
		Datasource(datasource()).
		Height(8).
		Span(8).
		Orientation(common.VizOrientationHorizontal).
		DisplayMode(common.BarGaugeDisplayModeBasic).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}))
}

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func formatDuration(d time.Duration) string { return model.Duration(d).String() }
