package openairuntime

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/logs"
	"github.com/grafana/grafana-foundation-sdk/go/loki"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/tempo"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/grafana"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/logql"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/traceql"
)

// Bounds of the drill-down queries.
const (
	// logLines is the most log lines the logs panel shows.
	logLines = 500
	// callTraces is the most traces a calls table asks Tempo for: the most
	// recent of the time range.
	callTraces = 50
	// spansPerTrace is the most matching spans shown per trace: a chat
	// request makes one OpenAI call per attempt, OPENAI_MAX_RETRIES + 1.
	spansPerTrace = 10
)

// durationColumn is the column of a span's duration in Grafana's Tempo
// search table.
const durationColumn = "Duration"

// The row of single requests: the log lines and the spans behind the
// graphs above, each opening its trace in Tempo.
func logsAndTracesRow(b *dashboard.DashboardBuilder, cfg config.Config) *dashboard.DashboardBuilder {
	return b.WithRow(dashboard.NewRowBuilder("Logs & Traces").Id(rowLogsAndTraces)).
		WithPanel(errorLogsPanel()).
		WithPanel(failedCallsTable()).
		WithPanel(slowCallsTable(cfg.Alerts.Latency.ThresholdSeconds))
}

func lokiDatasource() common.DataSourceRef {
	return grafana.Loki()
}

func tempoDatasource() common.DataSourceRef {
	return grafana.Tempo()
}

func errorLogsPanel() *logs.PanelBuilder {
	query := logql.Backend().SeverityIn(m.LogSeverityError, m.LogSeverityWarn)
	return logs.NewPanelBuilder().
		Id(PanelErrorLogs).
		Title("Backend errors and warnings").
		Description("The backend's ERROR and WARN log records in Loki, newest first: the access log line of every 5xx answer (ERROR) and a line for each chat request whose OpenAI call failed after its retries (WARN, with the error type). Open a line for its fields (request id, status, error code, error type) and its trace_id's \"View trace\" link to Tempo. All models.").
		Datasource(lokiDatasource()).
		WithTarget(loki.NewDataqueryBuilder().
			RefId("A").
			Datasource(lokiDatasource()).
			Expr(query.String()).
			QueryType("range").
			MaxLines(logLines)).
		Height(10).
		Span(24).
		ShowTime(true).
		WrapLogMessage(true).
		EnableLogDetails(true).
		SortOrder(common.LogsSortOrderDescending).
		DedupStrategy(common.LogsDedupStrategyNone)
}

func failedCallsTable() *table.PanelBuilder {
	calls := traceql.OpenAICalls().Failed().Select(
		m.AttrGenAIRequestModel, m.AttrErrorType, m.AttrHTTPResponseStatusCode, m.AttrOpenAIAttemptNumber, m.AttrOpenAIRequestID)
	return callsTable(PanelFailedCallsTable, calls).
		Title("Failed OpenAI calls").
		Description(fmt.Sprintf("OpenAI API requests whose span has status error, one row per attempt, from Tempo: the model, error type, OpenAI's status code, the attempt's number and OpenAI's request id (the id OpenAI's support asks for). Click a Span ID to open its trace. The most recent %d traces of the time range, slowest first.", callTraces))
}

// slowCallsTable lists the calls slower than the latency alert's threshold:
// TraceQL cannot order by duration, so a table of the most recent calls
// sorted by duration would miss the slow ones of a busy range; a table of the
// calls over the threshold has them all, up to callTraces traces.
func slowCallsTable(thresholdSeconds float64) *table.PanelBuilder {
	calls := traceql.OpenAICalls().SlowerThan(thresholdSeconds).Select(
		m.AttrGenAIRequestModel, m.AttrHTTPResponseStatusCode, m.AttrGenAIUsageOutputTokens, m.AttrOpenAIAttemptNumber, m.AttrOpenAIRequestID)
	return callsTable(PanelSlowestCallsTable, calls).
		Title(fmt.Sprintf("OpenAI calls slower than %s", traceql.Duration(thresholdSeconds))).
		Description(fmt.Sprintf("OpenAI API requests that took longer than the latency alert's threshold (%s, alerts.latency.threshold_seconds in config.yaml), one row per attempt, slowest first, from Tempo: the model, OpenAI's status code, the output tokens (long answers take long), the attempt's number and OpenAI's request id. Click a Span ID to open its trace. The most recent %d traces of the time range that have such a call; empty when no call was that slow.", traceql.Duration(thresholdSeconds), callTraces))
}

// callsTable lists the spans of a TraceQL query, one row per span, sorted by
// duration, longest first.
func callsTable(id uint32, calls traceql.SpanSet) *table.PanelBuilder {
	return table.NewPanelBuilder().
		Id(id).
		Datasource(tempoDatasource()).
		WithTarget(tempo.NewDataqueryBuilder().
			RefId("A").
			Datasource(tempoDatasource()).
			QueryType("traceql").
			Query(calls.String()).
			TableType(tempo.SearchTableTypeSpans).
			Limit(callTraces).
			Spss(spansPerTrace)).
		Height(10).
		Span(12).
		ShowHeader(true).
		Footer(common.NewTableFooterOptionsBuilder().Show(false)).
		SortBy([]cog.Builder[common.TableSortByFieldState]{
			common.NewTableSortByFieldStateBuilder().DisplayName(durationColumn).Desc(true),
		})
}
