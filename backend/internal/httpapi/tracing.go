package httpapi

import (
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// traced starts a SERVER span per API request, named by method and route
// (m.SpanChatRequest for the chat endpoint), continuing the trace of an
// incoming W3C traceparent. It sits outside the access log, so that the log
// line is written with the span in its context. The health endpoints are not
// traced: probes every few seconds would bury the requests. The wrapper's own
// HTTP metrics are off; the API records its server metric itself. A nil tp
// traces nothing.
func traced(tp trace.TracerProvider, propagator propagation.TextMapPropagator, next http.Handler) http.Handler {
	if tp == nil {
		return next
	}
	if propagator == nil {
		propagator = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	}
	return otelhttp.NewHandler(next, "",
		otelhttp.WithTracerProvider(tp),
		otelhttp.WithPropagators(propagator),
		otelhttp.WithMeterProvider(noop.NewMeterProvider()),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return spanName(r) }),
		otelhttp.WithFilter(func(r *http.Request) bool { return r.URL.Path != HealthPath && r.URL.Path != ReadyPath }),
	)
}

// spanName is "METHOD route" for the API's routes and "METHOD" for any other
// path; a method outside HTTP's own is "HTTP". Both parts are bounded, never
// the raw path.
func spanName(r *http.Request) string {
	method := r.Method
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
	default:
		method = "HTTP"
	}
	switch r.URL.Path {
	case ChatPath:
		if method == http.MethodPost {
			return m.SpanChatRequest
		}
		return method + " " + ChatPath
	case HealthPath, ReadyPath:
		return method + " " + r.URL.Path
	}
	return method
}
