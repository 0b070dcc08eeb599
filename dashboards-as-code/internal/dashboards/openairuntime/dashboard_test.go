package openairuntime_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/loki"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/tempo"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/dashboards/openairuntime"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/grafana"
)

func build(t *testing.T) (dashboard.Dashboard, config.Config) {
	t.Helper()
	cfg, err := config.Load(filepath.Join("..", "..", "..", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := openairuntime.Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d, cfg
}

func TestSettings(t *testing.T) {
	d, _ := build(t)
	if *d.Uid != "scanium-openai-runtime" || *d.Title != "Scanium - OpenAI Runtime" {
		t.Errorf("uid %s, title %s", *d.Uid, *d.Title)
	}
	if d.Id != nil {
		t.Error("the dashboard has an id")
	}
	if *d.Refresh != "30s" || d.Time.From != "now-6h" || d.Time.To != "now" {
		t.Errorf("refresh %s, time %s to %s", *d.Refresh, d.Time.From, d.Time.To)
	}
	if !slices.Contains(d.Tags, "scanium") || !slices.Contains(d.Tags, "openai") {
		t.Errorf("tags %v", d.Tags)
	}
	vars := d.Templating.List
	if len(vars) != 2 {
		t.Fatalf("variables %v", vars)
	}
	ds, model := vars[0], vars[1]
	if ds.Name != "datasource" || *ds.Query.String != grafana.PrometheusType || *ds.Current.Value.String != grafana.MimirUID {
		t.Errorf("datasource variable %+v", ds)
	}
	if model.Name != "model" || !*model.Multi || !*model.IncludeAll || *model.AllValue != ".+" ||
		!strings.HasPrefix(*model.Query.String, "label_values(") {
		t.Errorf("model variable %+v", model)
	}
}

func TestRowsAndPanels(t *testing.T) {
	d, _ := build(t)
	var rows []string
	for _, p := range d.Panels {
		if p.RowPanel != nil {
			rows = append(rows, *p.RowPanel.Title)
			continue
		}
		panel := p.Panel
		title := *panel.Title
		if panel.Description == nil || len(*panel.Description) < 30 {
			t.Errorf("%s: no useful description", title)
		}
		if len(panel.Targets) == 0 {
			t.Errorf("%s: no query", title)
		}
		if panel.Datasource == nil {
			t.Errorf("%s: no datasource", title)
			continue
		}
		// Log lines and trace tables come from Loki and Tempo, by fixed
		// uid; every graph from the Prometheus datasource the dashboard's
		// variable picks, with a unit and a legend.
		switch *panel.Datasource.Type {
		case grafana.LokiType, grafana.TempoType:
			for _, target := range panel.Targets {
				ds, ok := targetDatasource(target)
				if !ok || ds == nil || *ds.Uid != *panel.Datasource.Uid || *ds.Type != *panel.Datasource.Type {
					t.Errorf("%s: target %T on datasource %v, want the panel's", title, target, ds)
				}
			}
			continue
		}
		if *panel.Datasource.Uid != "${datasource}" {
			t.Errorf("%s: datasource %v", title, panel.Datasource)
		}
		if panel.FieldConfig == nil || panel.FieldConfig.Defaults.Unit == nil || *panel.FieldConfig.Defaults.Unit == "" {
			t.Errorf("%s: no unit", title)
		}
		for _, target := range panel.Targets {
			q, ok := target.(prometheus.Dataquery)
			if !ok {
				t.Errorf("%s: target %T is not a Prometheus query", title, target)
				continue
			}
			if q.LegendFormat == nil || *q.LegendFormat == "" || *q.LegendFormat == "__auto" {
				t.Errorf("%s: query %s has no legend", title, *q.RefId)
			}
		}
	}
	want := []string{"Overview", "Request & Error Rates", "Latency", "Token Usage", "Rate Limits", "Cost", "API", "Logs & Traces"}
	if !slices.Equal(rows, want) {
		t.Errorf("rows %v, want %v", rows, want)
	}
}

// targetDatasource is the datasource of a Loki or Tempo target.
func targetDatasource(target any) (*common.DataSourceRef, bool) {
	switch q := target.(type) {
	case loki.Dataquery:
		return q.Datasource, true
	case tempo.Dataquery:
		return q.Datasource, true
	}
	return nil, false
}

// panel finds a panel by id.
func panel(t *testing.T, d dashboard.Dashboard, id uint32) *dashboard.Panel {
	t.Helper()
	for _, p := range d.Panels {
		if p.Panel != nil && p.Panel.Id != nil && *p.Panel.Id == id {
			return p.Panel
		}
	}
	t.Fatalf("no panel %d", id)
	return nil
}

// steps returns a panel's threshold values, after the base colour.
func steps(p *dashboard.Panel) []float64 {
	var out []float64
	for _, s := range p.FieldConfig.Defaults.Thresholds.Steps {
		if s.Value != nil {
			out = append(out, *s.Value)
		}
	}
	return out
}

func TestThresholdsEqualTheAlerts(t *testing.T) {
	d, cfg := build(t)
	a := cfg.Alerts
	tests := []struct {
		id   uint32
		want []float64
	}{
		{openairuntime.PanelErrorPercentStat, []float64{a.ErrorRate.WarningPercent, a.ErrorRate.CriticalPercent}},
		{openairuntime.PanelErrorPercentTimeseries, []float64{a.ErrorRate.WarningPercent, a.ErrorRate.CriticalPercent}},
		{openairuntime.PanelLatencyStat, []float64{a.Latency.ThresholdSeconds}},
		{openairuntime.PanelLatencyByModelTimeseries, []float64{a.Latency.ThresholdSeconds}},
		{openairuntime.PanelHeadroomTimeseries, []float64{a.RateLimitHeadroom.MinPercent}},
		{openairuntime.PanelSpendTodayStat, []float64{a.Budget.WarningUSD(), a.Budget.DailyUSD}},
	}
	for _, tt := range tests {
		p := panel(t, d, tt.id)
		if got := steps(p); !slices.Equal(got, tt.want) {
			t.Errorf("%s: thresholds %v, want %v", *p.Title, got, tt.want)
		}
	}
}

func TestQuietPanelsExist(t *testing.T) {
	d, _ := build(t)
	for _, id := range openairuntime.QuietPanels() {
		panel(t, d, id)
	}
}

// The latency panels show the histogram's exemplars (single requests, each
// linking to its trace), asked for by exactly one query each: every
// percentile reads the same buckets, and two queries would show each dot
// twice.
func TestLatencyPanelsShowExemplarsOnce(t *testing.T) {
	d, _ := build(t)
	for _, id := range []uint32{openairuntime.PanelLatencyPercentilesTimeseries, openairuntime.PanelLatencyByModelTimeseries} {
		p := panel(t, d, id)
		asking := 0
		for _, target := range p.Targets {
			q, ok := target.(prometheus.Dataquery)
			if !ok {
				t.Fatalf("panel %d: target %T is not a Prometheus query", id, target)
			}
			if q.Exemplar != nil && *q.Exemplar {
				asking++
			}
		}
		if asking != 1 {
			t.Errorf("panel %d: %d queries ask for exemplars, want 1", id, asking)
		}
	}
}

// The logs panel shows the backend's ERROR and WARN records; the calls
// tables list OpenAI spans one per row (each row's span id opens its
// trace), the slowest first.
func TestLogsAndTracesPanels(t *testing.T) {
	d, _ := build(t)
	logs := panel(t, d, openairuntime.PanelErrorLogs)
	q, ok := logs.Targets[0].(loki.Dataquery)
	if !ok || logs.Type != "logs" || !strings.Contains(q.Expr, m.LogSeverityError) || !strings.Contains(q.Expr, m.LogSeverityWarn) {
		t.Errorf("logs panel %s: %+v", logs.Type, logs.Targets[0])
	}
	for id, want := range map[uint32]string{
		openairuntime.PanelFailedCallsTable:  "status=error",
		openairuntime.PanelSlowestCallsTable: m.AttrGenAIProviderName,
	} {
		p := panel(t, d, id)
		q, ok := p.Targets[0].(tempo.Dataquery)
		if !ok || p.Type != "table" {
			t.Fatalf("%s: %s panel with %T", *p.Title, p.Type, p.Targets[0])
		}
		if !strings.Contains(*q.Query, want) || *q.QueryType != "traceql" || *q.TableType != tempo.SearchTableTypeSpans {
			t.Errorf("%s: query %s (%s, table %s)", *p.Title, *q.Query, *q.QueryType, *q.TableType)
		}
		sortBy := p.Options.(*table.Options).SortBy
		if len(sortBy) != 1 || sortBy[0].DisplayName != "Duration" || sortBy[0].Desc == nil || !*sortBy[0].Desc {
			t.Errorf("%s: sorted by %+v, want Duration, longest first", *p.Title, sortBy)
		}
	}
}
