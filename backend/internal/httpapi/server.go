// Package httpapi is the backend's HTTP API: the assistant's chat endpoint
// and the health endpoints, with request ids, access logs, panic recovery and
// JSON errors that say what to fix; a bound on the chat requests in flight;
// and ConnLimiter, the bound on the server's open connections.
package httpapi

import (
	"log/slog"
	"net/http"
	"sync/atomic"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/scanium/openai-monitoring/backend/config"
	"github.com/scanium/openai-monitoring/backend/internal/assistant"
	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// Routes of the API: the contract's http_route values.
const (
	ChatPath    = m.HTTPRouteChat
	HealthPath  = m.HTTPRouteHealth
	ReadyPath   = m.HTTPRouteReady
	statusOK    = "ok"
	statusReady = "ready"
)

// Deps are what the API needs.
type Deps struct {
	Logger    *slog.Logger
	Assistant *assistant.Service
	APIKeys   []config.Secret
	Limits    config.Limits
	// Draining, when set, makes /readyz answer 503: the server is shutting down.
	Draining *atomic.Bool
	// MaxInFlight bounds the chat requests handled at once; more are
	// answered 503 OVERLOADED. Zero means config.DefaultMaxInFlightRequests.
	MaxInFlight int
	// MeterProvider records the API's http.server.request.duration; nil: noop.
	MeterProvider metric.MeterProvider
	// TracerProvider starts a SERVER span per request, and Propagator reads
	// an incoming traceparent (nil: W3C tracecontext and baggage); a nil
	// TracerProvider traces nothing.
	TracerProvider trace.TracerProvider
	Propagator     propagation.TextMapPropagator
}

type handler struct {
	logger    *slog.Logger
	assistant *assistant.Service
	keys      keyring
	limits    config.Limits
	draining  *atomic.Bool
	inFlight  inFlightLimit
}

// New returns the API's handler.
func New(d Deps) http.Handler {
	if d.MaxInFlight <= 0 {
		d.MaxInFlight = config.DefaultMaxInFlightRequests
	}
	h := &handler{
		logger: d.Logger, assistant: d.Assistant, keys: newKeyring(d.APIKeys),
		limits: d.Limits, draining: d.Draining, inFlight: newInFlightLimit(d.MaxInFlight),
	}
	if h.draining == nil {
		h.draining = new(atomic.Bool)
	}
	mux := http.NewServeMux()
	mux.HandleFunc(ChatPath, methods(map[string]http.HandlerFunc{http.MethodPost: h.chat}))
	mux.HandleFunc(HealthPath, methods(map[string]http.HandlerFunc{http.MethodGet: h.health, http.MethodHead: h.health}))
	mux.HandleFunc(ReadyPath, methods(map[string]http.HandlerFunc{http.MethodGet: h.ready, http.MethodHead: h.ready}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusNotFound, CodeNotFound, "no such endpoint: the API serves POST "+ChatPath)
	})
	return traced(d.TracerProvider, d.Propagator, observe(d.Logger, serverMetricsHandler(d.MeterProvider, recoverPanics(d.Logger, mux))))
}

// methods dispatches on the method and answers 405 with Allow otherwise.
func methods(byMethod map[string]http.HandlerFunc) http.HandlerFunc {
	allow := ""
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost} {
		if _, ok := byMethod[m]; ok {
			if allow != "" {
				allow += ", "
			}
			allow += m
		}
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if h, ok := byMethod[r.Method]; ok {
			h(w, r)
			return
		}
		w.Header().Set("Allow", allow)
		writeError(w, r, http.StatusMethodNotAllowed, CodeMethodNotAllowed, r.Method+" is not allowed here: use "+allow)
	}
}

func (h *handler) health(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": statusOK})
}

func (h *handler) ready(w http.ResponseWriter, r *http.Request) {
	if h.draining.Load() {
		writeError(w, r, http.StatusServiceUnavailable, CodeShuttingDown, "the server is shutting down")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": statusReady})
}
