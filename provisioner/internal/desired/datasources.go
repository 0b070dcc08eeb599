package desired

import (
	"encoding/json"

	"github.com/scanium/openai-monitoring/internal/bundle"
	"github.com/scanium/openai-monitoring/internal/signals"
	"github.com/scanium/openai-monitoring/provisioner/config"
	"github.com/scanium/openai-monitoring/provisioner/internal/managed"
)

// Datasource is a datasource to create or update.
type Datasource struct {
	UID, Name, Type, URL string
	IsDefault            bool
	JSONData             map[string]any
}

// Queries of the Tempo data source's links. ${__tags} is Grafana's list of
// the span's mapped tags as label matchers (service_name="..." for Loki,
// service="..." for Mimir); ${__span.traceId} is the span's trace id.
const (
	// TracesToLogsQuery finds the trace's logs of the span's service.
	// The trace id is structured metadata, not in the log line: the query
	// filters on it with a label filter, never a line filter.
	TracesToLogsQuery = `{${__tags}} | ` + signals.LokiTraceIDMetadata + `="${__span.traceId}"`
	// Span-metric queries for the span's service, per span name, on the
	// series of Tempo's metrics generator.
	SpanRateQuery      = `sum by (span_name) (rate(` + signals.TempoSpanMetricsCalls + `{$__tags}[5m]))`
	SpanErrorRateQuery = `sum by (span_name) (rate(` + signals.TempoSpanMetricsCalls + `{$__tags, status_code="STATUS_CODE_ERROR"}[5m]))`
	SpanLatencyQuery   = `histogram_quantile(0.95, sum by (le, span_name) (rate(` + signals.TempoSpanMetricsLatency + `_bucket{$__tags}[5m])))`
)

// Datasources are Mimir, Loki and Tempo, linked to each other by the names
// the stack stores (internal/signals): Mimir's exemplars open the trace in
// Tempo; Loki's trace_id opens the trace in Tempo; Tempo's spans open their
// logs in Loki and their span metrics in Mimir, and its service map is
// computed from the service-graph series Tempo's metrics generator writes to
// Mimir.
func Datasources(cfg config.Config) []Datasource {
	mark := func(m map[string]any) map[string]any {
		m[managed.DatasourceField] = managed.Owner
		return m
	}
	return []Datasource{
		{
			UID: bundle.MimirUID, Name: bundle.MimirName, Type: bundle.PrometheusType, URL: cfg.MimirURL, IsDefault: true,
			JSONData: mark(map[string]any{
				"httpMethod":     "POST",
				"prometheusType": "Mimir",
				"timeInterval":   "15s",
				"exemplarTraceIdDestinations": []any{
					map[string]any{"name": signals.ExemplarTraceIDLabel, "datasourceUid": bundle.TempoUID, "urlDisplayLabel": "View trace"},
				},
			}),
		},
		{
			UID: bundle.LokiUID, Name: bundle.LokiName, Type: bundle.LokiType, URL: cfg.LokiURL,
			JSONData: mark(map[string]any{
				"maxLines": json.Number("1000"),
				"derivedFields": []any{
					map[string]any{
						"name": "TraceID", "matcherType": "label", "matcherRegex": signals.LokiTraceIDMetadata,
						"datasourceUid": bundle.TempoUID, "url": "${__value.raw}", "urlDisplayLabel": "View trace",
					},
				},
			}),
		},
		{
			UID: bundle.TempoUID, Name: bundle.TempoName, Type: bundle.TempoType, URL: cfg.TempoURL,
			JSONData: mark(map[string]any{
				"tracesToLogsV2": map[string]any{
					"datasourceUid":      bundle.LokiUID,
					"spanStartTimeShift": "-5m",
					"spanEndTimeShift":   "5m",
					// Grafana's built-in trace id filter may be a line filter,
					// which never matches structured metadata: the query says
					// what to match instead.
					"filterByTraceID": false,
					"filterBySpanID":  false,
					"customQuery":     true,
					"query":           TracesToLogsQuery,
					"tags":            []any{map[string]any{"key": signals.ServiceNameAttribute, "value": signals.LokiServiceNameLabel}},
				},
				"tracesToMetrics": map[string]any{
					"datasourceUid":      bundle.MimirUID,
					"spanStartTimeShift": "-5m",
					"spanEndTimeShift":   "5m",
					"tags":               []any{map[string]any{"key": signals.ServiceNameAttribute, "value": signals.TempoSpanMetricsServiceLabel}},
					// Without queries Grafana shows no metrics link at all.
					"queries": []any{
						map[string]any{"name": "Span rate", "query": SpanRateQuery},
						map[string]any{"name": "Span error rate", "query": SpanErrorRateQuery},
						map[string]any{"name": "Span latency p95", "query": SpanLatencyQuery},
					},
				},
				"serviceMap": map[string]any{"datasourceUid": bundle.MimirUID},
				"nodeGraph":  map[string]any{"enabled": true},
				"lokiSearch": map[string]any{"datasourceUid": bundle.LokiUID},
			}),
		},
	}
}
