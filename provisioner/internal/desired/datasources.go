package desired

import (
	"encoding/json"

	"github.com/scanium/openai-monitoring/provisioner/config"
	"github.com/scanium/openai-monitoring/provisioner/internal/managed"
)

// Datasource is a datasource to create or update.
type Datasource struct {
	UID, Name, Type, URL string
	IsDefault            bool
	JSONData             map[string]any
}

// The names the data source links use to find the other signals. Each is
// what the bundle's stack really stores; the tests check them against the
// Alloy, Loki and Tempo configurations.
const (
	// ExemplarTraceIDLabel is the exemplar label of the trace id in Mimir:
	// Alloy's otelcol.exporter.prometheus writes the backend's exemplars
	// with it, and Tempo's metrics generator is set to use it too
	// (trace_id_label_name), so one exemplar link serves both.
	ExemplarTraceIDLabel = "trace_id"
	// LokiTraceIDField is the structured metadata in which Loki's OTLP
	// ingestion keeps a log record's trace id. It is not in the log line,
	// so the derived field matches it by name (matcherType "label"), and
	// traces-to-logs filters on it with a label filter, not a line filter.
	LokiTraceIDField = "trace_id"
	// LokiServiceLabel is the stream label Loki's OTLP ingestion makes of
	// the resource attribute service.name.
	LokiServiceLabel = "service_name"
	// SpanMetricsServiceLabel is the label of service.name on the series of
	// Tempo's metrics generator (span metrics and service graphs).
	SpanMetricsServiceLabel = "service"
	// ServiceNameAttribute is the resource attribute a span's service is in.
	ServiceNameAttribute = "service.name"
)

// Queries of the Tempo data source's links. ${__tags} is Grafana's list of
// the span's mapped tags as label matchers (service_name="..." for Loki,
// service="..." for Mimir); ${__span.traceId} is the span's trace id.
const (
	// TracesToLogsQuery finds the trace's logs of the span's service.
	TracesToLogsQuery = `{${__tags}} | ` + LokiTraceIDField + `="${__span.traceId}"`
	// Span-metric queries for the span's service, per span name.
	SpanRateQuery      = `sum by (span_name) (rate(traces_spanmetrics_calls_total{$__tags}[5m]))`
	SpanErrorRateQuery = `sum by (span_name) (rate(traces_spanmetrics_calls_total{$__tags, status_code="STATUS_CODE_ERROR"}[5m]))`
	SpanLatencyQuery   = `histogram_quantile(0.95, sum by (le, span_name) (rate(traces_spanmetrics_latency_bucket{$__tags}[5m])))`
)

// Datasources are Mimir, Loki and Tempo, linked to each other: Mimir's
// exemplars open the trace in Tempo; Loki's trace_id opens the trace in
// Tempo; Tempo's spans open their logs in Loki and their span metrics in
// Mimir, and its service map is computed from the service-graph series
// Tempo's metrics generator writes to Mimir.
func Datasources(cfg config.Config) []Datasource {
	mark := func(m map[string]any) map[string]any {
		m[managed.DatasourceField] = managed.Owner
		return m
	}
	return []Datasource{
		{
			UID: managed.MimirUID, Name: "Mimir", Type: "prometheus", URL: cfg.MimirURL, IsDefault: true,
			JSONData: mark(map[string]any{
				"httpMethod":     "POST",
				"prometheusType": "Mimir",
				"timeInterval":   "15s",
				"exemplarTraceIdDestinations": []any{
					map[string]any{"name": ExemplarTraceIDLabel, "datasourceUid": managed.TempoUID, "urlDisplayLabel": "View trace"},
				},
			}),
		},
		{
			UID: managed.LokiUID, Name: "Loki", Type: "loki", URL: cfg.LokiURL,
			JSONData: mark(map[string]any{
				"maxLines": json.Number("1000"),
				"derivedFields": []any{
					map[string]any{
						"name": "TraceID", "matcherType": "label", "matcherRegex": LokiTraceIDField,
						"datasourceUid": managed.TempoUID, "url": "${__value.raw}", "urlDisplayLabel": "View trace",
					},
				},
			}),
		},
		{
			UID: managed.TempoUID, Name: "Tempo", Type: "tempo", URL: cfg.TempoURL,
			JSONData: mark(map[string]any{
				"tracesToLogsV2": map[string]any{
					"datasourceUid":      managed.LokiUID,
					"spanStartTimeShift": "-5m",
					"spanEndTimeShift":   "5m",
					// Grafana's built-in trace id filter may be a line filter,
					// which never matches structured metadata: the query says
					// what to match instead.
					"filterByTraceID": false,
					"filterBySpanID":  false,
					"customQuery":     true,
					"query":           TracesToLogsQuery,
					"tags":            []any{map[string]any{"key": ServiceNameAttribute, "value": LokiServiceLabel}},
				},
				"tracesToMetrics": map[string]any{
					"datasourceUid":      managed.MimirUID,
					"spanStartTimeShift": "-5m",
					"spanEndTimeShift":   "5m",
					"tags":               []any{map[string]any{"key": ServiceNameAttribute, "value": SpanMetricsServiceLabel}},
					// Without queries Grafana shows no metrics link at all.
					"queries": []any{
						map[string]any{"name": "Span rate", "query": SpanRateQuery},
						map[string]any{"name": "Span error rate", "query": SpanErrorRateQuery},
						map[string]any{"name": "Span latency p95", "query": SpanLatencyQuery},
					},
				},
				"serviceMap": map[string]any{"datasourceUid": managed.MimirUID},
				"nodeGraph":  map[string]any{"enabled": true},
				"lokiSearch": map[string]any{"datasourceUid": managed.LokiUID},
			}),
		},
	}
}
