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
	"github.com/prometheus/prometheus/promql/parser"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/dashboards/openairuntime"
	"github.com/scanium/openai-monitoring/dashboards-as-code/queries"
	"github.com/scanium/openai-monitoring/internal/bundle"
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
	if ds.Name != "datasource" || *ds.Query.String != bundle.PrometheusType || *ds.Current.Value.String != bundle.MimirUID {
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
		case bundle.LokiType, bundle.TempoType:
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
	want := []string{"Overview", "SLOs", "Request & Error Rates", "Latency", "Token Usage", "Rate Limits", "Cost", "API", "Logs & Traces"}
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
		{openairuntime.PanelBillingGapTimeseries, []float64{-a.Reconciliation.MaxGapPercent, a.Reconciliation.MaxGapPercent}},
		{openairuntime.PanelFirstTokenTimeseries, []float64{cfg.SLOs.Latency.ThresholdSeconds}},
		{openairuntime.PanelAvailabilityComplianceStat, []float64{cfg.SLOs.Availability.TargetPercent}},
		{openairuntime.PanelLatencyComplianceStat, []float64{cfg.SLOs.Latency.TargetPercent}},
	}
	// Each burn-rate stat turns at the factor of the rule of its window.
	for i, w := range config.BurnRateWindows() {
		tests = append(tests,
			struct {
				id   uint32
				want []float64
			}{openairuntime.AvailabilityBurnRatePanels()[i], []float64{w.Factor}},
			struct {
				id   uint32
				want []float64
			}{openairuntime.LatencyBurnRatePanels()[i], []float64{w.Factor}})
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
	for _, id := range []uint32{openairuntime.PanelLatencyPercentilesTimeseries, openairuntime.PanelLatencyByModelTimeseries, openairuntime.PanelFirstTokenTimeseries} {
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

// No query of the dashboard adds a token type to one it is a part of (or
// total to input or output): each selector of the token counter names its
// token types, and an aggregation that drops token_type above it sums none
// that is a part of another it names.
func TestTokenQueriesCountEveryTokenOnce(t *testing.T) {
	d, _ := build(t)
	selectors := 0
	for _, p := range d.Panels {
		if p.Panel == nil {
			continue
		}
		for _, target := range p.Panel.Targets {
			q, ok := target.(prometheus.Dataquery)
			if !ok {
				continue
			}
			expr, err := parser.NewParser(parser.Options{}).ParseExpr(queries.Substitute(q.Expr))
			if err != nil {
				t.Fatalf("%s: %v", *p.Panel.Title, err)
			}
			parser.Inspect(expr, func(node parser.Node, path []parser.Node) error {
				vs, ok := node.(*parser.VectorSelector)
				if !ok || vs.Name != m.TokensTotal {
					return nil
				}
				selectors++
				types := tokenTypes(vs)
				if len(types) == 0 {
					t.Errorf("%s: %s selects every token type", *p.Panel.Title, vs)
				}
				if !sumsTokenTypes(path) {
					return nil
				}
				for _, tt := range types {
					whole, isPart := m.TokenPartOf(tt)
					switch {
					case isPart && slices.Contains(types, whole):
						t.Errorf("%s: %s adds %s to %s, which it is a part of", *p.Panel.Title, vs, tt, whole)
					case tt == m.TokenTotal && len(types) > 1:
						t.Errorf("%s: %s adds total to %v", *p.Panel.Title, vs, types)
					}
				}
				return nil
			})
		}
	}
	if selectors == 0 {
		t.Fatal("no query of the dashboard reads the token counter")
	}
}

// sumsTokenTypes tells whether an aggregation on a path drops token_type.
func sumsTokenTypes(path []parser.Node) bool {
	for _, n := range path {
		agg, ok := n.(*parser.AggregateExpr)
		if ok && slices.Contains(agg.Grouping, m.LabelTokenType) == agg.Without {
			return true
		}
	}
	return false
}

// tokenTypes are the token types a selector keeps.
func tokenTypes(vs *parser.VectorSelector) []string {
	var out []string
	for _, lm := range vs.LabelMatchers {
		if lm.Name != m.LabelTokenType {
			continue
		}
		for _, tt := range m.TokenTypes() {
			if lm.Matches(tt) {
				out = append(out, tt)
			}
		}
	}
	return out
}

// The prompt cache's hit ratio and the reasoning share are shown, each a
// part over its whole.
func TestCacheAndReasoningPanels(t *testing.T) {
	d, _ := build(t)
	for id, part := range map[uint32]string{
		openairuntime.PanelCacheHitTimeseries:       m.TokenCachedInput,
		openairuntime.PanelReasoningShareTimeseries: m.TokenReasoning,
	} {
		p := panel(t, d, id)
		whole, _ := m.TokenPartOf(part)
		expr := p.Targets[0].(prometheus.Dataquery).Expr
		if !strings.Contains(expr, `"`+part+`"`) || !strings.Contains(expr, `"`+whole+`"`) || *p.FieldConfig.Defaults.Unit != "percent" {
			t.Errorf("%s: %s in %s, want %s over %s in percent", *p.Title, expr, *p.FieldConfig.Defaults.Unit, part, whole)
		}
	}
}

// The reconciliation panels read the billing exporter's series and say that
// they are empty without it; the tokens table joins its three queries.
func TestReconciliationPanels(t *testing.T) {
	d, _ := build(t)
	for _, id := range []uint32{openairuntime.PanelEstimateVsBillTimeseries, openairuntime.PanelBillingGapTimeseries, openairuntime.PanelBilledTokensTable} {
		p := panel(t, d, id)
		// The graphs show the last week whatever the time range; the table
		// the last complete day.
		weekly := p.Type == "table" || (p.TimeFrom != nil && *p.TimeFrom == "7d")
		if !strings.Contains(*p.Description, "Empty unless the billing exporter") || !weekly {
			t.Errorf("%s: description %q, time from %v", *p.Title, *p.Description, p.TimeFrom)
		}
		reads := false
		for _, target := range p.Targets {
			if strings.Contains(target.(prometheus.Dataquery).Expr, m.BilledDayStartTimestampSeconds) {
				reads = true
			}
		}
		if !reads {
			t.Errorf("%s: no query checks the day of the bill", *p.Title)
		}
	}
	table := panel(t, d, openairuntime.PanelBilledTokensTable)
	if len(table.Targets) != 3 || len(table.Transformations) != 2 || table.Transformations[0].Id != "merge" {
		t.Errorf("tokens table: %d queries, transformations %+v", len(table.Targets), table.Transformations)
	}
	for _, target := range table.Targets {
		if q := target.(prometheus.Dataquery); q.Format == nil || *q.Format != prometheus.PromQueryFormatTable || q.Instant == nil || !*q.Instant {
			t.Errorf("tokens table query %s is not an instant query in table format", *q.RefId)
		}
	}
}
