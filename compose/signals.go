package compose

// What Loki and Tempo, as configured in this folder, make of the OTLP data
// Alloy sends them: the names that Grafana's data source links must use to
// find it. The tests of this package check the configurations against them.
const (
	// LokiOTLPLogsPath is Loki's native OTLP endpoint for logs.
	LokiOTLPLogsPath = "/otlp/v1/logs"
	// LokiServiceNameLabel is the stream label Loki's OTLP ingestion makes of
	// the resource attribute service.name (its default index labels; dots
	// become underscores).
	LokiServiceNameLabel = "service_name"
	// LokiTraceIDMetadata is the structured metadata in which Loki's OTLP
	// ingestion keeps a log record's trace id (hex); the span id goes to
	// span_id. It is not part of the log line.
	LokiTraceIDMetadata = "trace_id"
	// LokiSpanIDMetadata is the structured metadata of a log record's span
	// id (hex).
	LokiSpanIDMetadata = "span_id"
	// LokiSeverityTextMetadata is the structured metadata in which Loki's
	// OTLP ingestion keeps a log record's severity text (ERROR, WARN, ...);
	// a record's attributes become structured metadata under their own keys.
	LokiSeverityTextMetadata = "severity_text"

	// Tempo's metrics generator: the processors the Tempo data source's
	// service map and span-metric links need, the series they write to Mimir,
	// and the label of a span's service.name on them.
	TempoServiceGraphsProcessor  = "service-graphs"
	TempoSpanMetricsProcessor    = "span-metrics"
	TempoServiceGraphRequests    = "traces_service_graph_request_total"
	TempoSpanMetricsCalls        = "traces_spanmetrics_calls_total"
	TempoSpanMetricsLatency      = "traces_spanmetrics_latency"
	TempoSpanMetricsServiceLabel = "service"
)
