// Package signals names what the bundle's stores make of the OTLP data the
// backend sends them: Loki's OTLP path, stream label and structured metadata,
// the exemplar label of a trace id in Mimir, and Tempo's metrics-generator
// processors and series. The compose configurations, the Alloy pipeline, the
// provisioner's data source links and the dashboards' LogQL all use these
// declarations; the tests of compose and alloy check the configurations
// against them.
//
// The package has no dependencies so that every part of the module can
// import it.
package signals

// The OTLP resource attribute that names a span's or a log record's service.
const ServiceNameAttribute = "service.name"

// Loki, with its native OTLP ingestion.
const (
	// LokiOTLPLogsPath is Loki's native OTLP endpoint for logs.
	LokiOTLPLogsPath = "/otlp/v1/logs"
	// LokiServiceNameLabel is the stream label Loki's OTLP ingestion makes of
	// the resource attribute service.name (one of its default index labels;
	// dots become underscores).
	LokiServiceNameLabel = "service_name"
	// LokiTraceIDMetadata is the structured metadata in which Loki's OTLP
	// ingestion keeps a log record's trace id (hex). It is not part of the
	// log line: a query filters on it with a label filter, and a derived
	// field matches it by name.
	LokiTraceIDMetadata = "trace_id"
	// LokiSpanIDMetadata is the structured metadata of a log record's span
	// id (hex).
	LokiSpanIDMetadata = "span_id"
	// LokiSeverityTextMetadata is the structured metadata in which Loki's
	// OTLP ingestion keeps a log record's severity text (ERROR, WARN, ...);
	// a record's attributes become structured metadata under their own keys.
	LokiSeverityTextMetadata = "severity_text"
)

// ExemplarTraceIDLabel is the exemplar label of a trace id in Mimir:
// Alloy's otelcol.exporter.prometheus gives it to the trace id of an OTLP
// exemplar (and span_id to the span id), as hex, and Tempo's metrics
// generator is set to use it too (trace_id_label_name), so that one
// exemplar link of the Mimir data source serves both.
const ExemplarTraceIDLabel = "trace_id"

// Tempo's metrics generator: the processors the Tempo data source's service
// map and span-metric links need, the series they write to Mimir, and the
// label of a span's service.name on them.
const (
	TempoServiceGraphsProcessor  = "service-graphs"
	TempoSpanMetricsProcessor    = "span-metrics"
	TempoServiceGraphRequests    = "traces_service_graph_request_total"
	TempoSpanMetricsCalls        = "traces_spanmetrics_calls_total"
	TempoSpanMetricsLatency      = "traces_spanmetrics_latency"
	TempoSpanMetricsServiceLabel = "service"
)
