package validate

import (
	"github.com/scanium/openai-monitoring/backend/config"
	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/traceql"
	"github.com/scanium/openai-monitoring/internal/signals"
)

// The names a LogQL or TraceQL query of the artifacts may use: what the
// backend emits (backend/openaimetrics, backend/config) as Loki and Tempo
// store it (compose). Each maps a name to its closed set of values, or to
// nil when its values are open.

// lokiStreamLabels are the stream labels of the backend's log records.
func lokiStreamLabels() map[string][]string {
	return map[string][]string{signals.LokiServiceNameLabel: {config.DefaultServiceName}}
}

// lokiRecordLabels are what a pipeline stage may filter on: the stream
// labels and the structured metadata of the backend's log records (their
// severity text, trace and span ids, and the fields of its log lines).
func lokiRecordLabels() map[string][]string {
	out := lokiStreamLabels()
	out[signals.LokiSeverityTextMetadata] = m.LogSeverities()
	out[signals.LokiTraceIDMetadata] = nil
	out[signals.LokiSpanIDMetadata] = nil
	for _, f := range m.LogFields() {
		out[f] = nil
	}
	out[m.LogFieldErrorType] = m.ErrorTypes()
	return out
}

// tempoResourceAttributes are the resource attributes of the backend's
// spans that queries may use.
func tempoResourceAttributes() map[string][]string {
	return map[string][]string{traceql.ServiceNameAttribute: {config.DefaultServiceName}}
}

// tempoSpanAttributes are the attributes of the backend's OpenAI spans.
func tempoSpanAttributes() map[string][]string {
	out := map[string][]string{}
	for _, a := range m.SpanAttributes() {
		out[a] = nil
	}
	out[m.AttrGenAIProviderName] = []string{m.ProviderOpenAI}
	out[m.AttrGenAIOperationName] = []string{m.OperationChat}
	out[m.AttrErrorType] = m.ErrorTypes()
	return out
}

// tempoIntrinsics are the TraceQL intrinsics the checks know.
func tempoIntrinsics() map[string][]string {
	return map[string][]string{
		traceql.IntrinsicStatus:   traceql.Statuses(),
		traceql.IntrinsicKind:     traceql.Kinds(),
		traceql.IntrinsicDuration: nil,
		traceql.IntrinsicName:     nil,
	}
}
