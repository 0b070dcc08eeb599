// Package traceql builds the TraceQL of the dashboards from the contract of
// the backend's spans: its service name (backend/config), the OpenAI spans'
// attribute keys and values (backend/openaimetrics), and the resource
// attribute of the service (OpenTelemetry's semantic conventions). The
// artifacts' validation checks every TraceQL query against the same names.
package traceql

import (
	"strconv"
	"strings"

	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"

	"github.com/scanium/openai-monitoring/backend/config"
	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// Attribute scopes of TraceQL.
const (
	ScopeResource = "resource."
	ScopeSpan     = "span."
)

// Intrinsics of TraceQL the dashboards use, and their values.
const (
	IntrinsicStatus   = "status"
	IntrinsicDuration = "duration"
	IntrinsicName     = "name"
	IntrinsicKind     = "kind"
	StatusError       = "error"
	StatusOK          = "ok"
	StatusUnset       = "unset"
)

// ServiceNameAttribute is the resource attribute of a span's service.
const ServiceNameAttribute = string(semconv.ServiceNameKey)

// Statuses returns every value of the status intrinsic.
func Statuses() []string { return []string{StatusError, StatusOK, StatusUnset} }

// Kinds returns every value of the kind intrinsic.
func Kinds() []string {
	return []string{"unspecified", "internal", "server", "client", "producer", "consumer"}
}

// Resource names a resource attribute: resource.service.name.
func Resource(key string) string { return ScopeResource + key }

// Span names a span attribute: span.gen_ai.request.model.
func Span(key string) string { return ScopeSpan + key }

// SpanSet is a spanset filter and the attributes its results show.
type SpanSet struct {
	conditions []string
	selected   []string
}

// OpenAICalls selects the backend's CLIENT spans of OpenAI API requests,
// one per attempt.
func OpenAICalls() SpanSet {
	return SpanSet{conditions: []string{
		Resource(ServiceNameAttribute) + "=" + strconv.Quote(config.DefaultServiceName),
		Span(m.AttrGenAIProviderName) + "=" + strconv.Quote(m.ProviderOpenAI),
	}}
}

// Failed keeps the spans whose status is error: the failed attempts.
func (s SpanSet) Failed() SpanSet {
	s.conditions = append(append([]string(nil), s.conditions...), IntrinsicStatus+"="+StatusError)
	return s
}

// SlowerThan keeps the spans that took longer than seconds (whole
// milliseconds at least: TraceQL durations are written like 5s or 1500ms).
func (s SpanSet) SlowerThan(seconds float64) SpanSet {
	s.conditions = append(append([]string(nil), s.conditions...), IntrinsicDuration+">"+Duration(seconds))
	return s
}

// Duration writes seconds as a TraceQL duration: 5s, 1500ms.
func Duration(seconds float64) string {
	ms := int64(seconds*1000 + 0.5)
	if ms%1000 == 0 {
		return strconv.FormatInt(ms/1000, 10) + "s"
	}
	return strconv.FormatInt(ms, 10) + "ms"
}

// Select shows span attributes beside each span of the results.
func (s SpanSet) Select(spanAttributes ...string) SpanSet {
	s.selected = append([]string(nil), s.selected...)
	for _, a := range spanAttributes {
		s.selected = append(s.selected, Span(a))
	}
	return s
}

func (s SpanSet) String() string {
	out := "{" + strings.Join(s.conditions, " && ") + "}"
	if len(s.selected) > 0 {
		out += " | select(" + strings.Join(s.selected, ", ") + ")"
	}
	return out
}
