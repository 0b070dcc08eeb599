package httpapi

import (
	"net/http"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// serverMetricsScope names the meter the API's own metrics are recorded with.
const serverMetricsScope = "github.com/scanium/openai-monitoring/backend/internal/httpapi"

// serverRoutes are the paths the API's mux serves, each with its value of the
// route label, in the order of the route index; a path that is none of them
// has the last index, HTTPRouteUnmatched. The mux's patterns are exact paths,
// so an exact comparison finds the route the mux matched.
var serverRoutes = [...]struct{ path, label string }{
	{ChatPath, m.HTTPRouteChat},
	{HealthPath, m.HTTPRouteHealth},
	{ReadyPath, m.HTTPRouteReady},
}

const routeUnmatched = len(serverRoutes)

func routeIndex(path string) int {
	for i, r := range serverRoutes {
		if path == r.path {
			return i
		}
	}
	return routeUnmatched
}

// serverMethods are the values of the method label in the order of the
// method index; the last one is HTTPMethodOther.
var serverMethods = m.HTTPMethods()

func methodIndex(method string) int {
	for i, v := range serverMethods[:len(serverMethods)-1] {
		if method == v {
			return i
		}
	}
	return len(serverMethods) - 1
}

// serverStatuses are the status codes the API answers with, whose attribute
// sets are made once; a response with another status (none of the API's own)
// has its attribute set made for it.
var serverStatuses = [...]int{
	http.StatusOK,
	http.StatusBadRequest, http.StatusUnauthorized, http.StatusNotFound, http.StatusMethodNotAllowed,
	http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusTooManyRequests,
	http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout,
}

func statusIndex(status int) (int, bool) {
	for i, s := range serverStatuses {
		if status == s {
			return i, true
		}
	}
	return 0, false
}

const (
	routeCount  = len(serverRoutes) + 1
	statusCount = len(serverStatuses)
)

// serverMetrics records http.server.request.duration of the API's requests
// by route, method and status code. Every label value comes from a closed
// set (the routes, the known methods, the status the handler wrote), never
// from the request's path or method as sent.
type serverMetrics struct {
	duration metric.Float64Histogram
	// opts holds the record options of each route, method and status,
	// made on first use and then shared: recording allocates nothing.
	opts [routeCount][]atomic.Pointer[[]metric.RecordOption]
}

// newServerMetrics makes the API's instrument on mp (nil: noop). An
// instrument that cannot be made is reported to otel.Handle and left out:
// the API serves on without it.
func newServerMetrics(mp metric.MeterProvider) *serverMetrics {
	if mp == nil {
		mp = noop.NewMeterProvider()
	}
	var spec m.Instrument
	for _, in := range m.Instruments() {
		if in.Name == m.HTTPServerRequestDurationSeconds {
			spec = in
		}
	}
	duration, err := mp.Meter(serverMetricsScope).Float64Histogram(spec.Name,
		metric.WithUnit(spec.Unit), metric.WithDescription(spec.Description),
		metric.WithExplicitBucketBoundaries(m.HTTPServerDurationBuckets()...))
	if err != nil {
		otel.Handle(err)
		duration = noop.Float64Histogram{}
	}
	sm := &serverMetrics{duration: duration}
	for i := range sm.opts {
		sm.opts[i] = make([]atomic.Pointer[[]metric.RecordOption], len(serverMethods)*statusCount)
	}
	return sm
}

// recordOptions returns the options that label a request of this route and
// method answered with status.
func (sm *serverMetrics) recordOptions(route, method, status int) []metric.RecordOption {
	si, known := statusIndex(status)
	if !known {
		return makeRecordOptions(route, method, status)
	}
	cell := &sm.opts[route][method*statusCount+si]
	if opts := cell.Load(); opts != nil {
		return *opts
	}
	opts := makeRecordOptions(route, method, status)
	cell.CompareAndSwap(nil, &opts)
	return opts
}

func makeRecordOptions(route, method, status int) []metric.RecordOption {
	routeLabel := m.HTTPRouteUnmatched
	if route < len(serverRoutes) {
		routeLabel = serverRoutes[route].label
	}
	set := attribute.NewSet(
		attribute.String(m.AttributeKey(m.LabelHTTPRequestMethod), serverMethods[method]),
		attribute.String(m.AttributeKey(m.LabelHTTPRoute), routeLabel),
		attribute.Int(m.AttributeKey(m.LabelHTTPResponseStatusCode), status),
	)
	return []metric.RecordOption{metric.WithAttributeSet(set)}
}

// serverMetricsHandler records the duration of every request next handles.
// Inside observe, it reads the status from observe's statusWriter; anywhere
// else it wraps the writer itself. A request whose handler panics past
// recoverPanics (http.ErrAbortHandler) is not recorded.
func serverMetricsHandler(mp metric.MeterProvider, next http.Handler) http.Handler {
	sm := newServerMetrics(mp)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw, ok := w.(*statusWriter)
		if !ok {
			sw = &statusWriter{ResponseWriter: w}
		}
		next.ServeHTTP(sw, r)
		status := sw.status
		if status == 0 {
			status = http.StatusOK // nothing written: net/http answers 200
		}
		sm.duration.Record(r.Context(), time.Since(start).Seconds(),
			sm.recordOptions(routeIndex(r.URL.Path), methodIndex(r.Method), status)...)
	})
}
