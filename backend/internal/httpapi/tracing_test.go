package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/scanium/openai-monitoring/backend/config"
	"github.com/scanium/openai-monitoring/backend/internal/assistant"
	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// spanContexts is a slog handler that keeps the span context each access-log
// record was logged with.
type spanContexts struct {
	mu  sync.Mutex
	got []trace.SpanContext
}

func (s *spanContexts) Enabled(context.Context, slog.Level) bool { return true }
func (s *spanContexts) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == m.LogMessageRequest {
		s.mu.Lock()
		s.got = append(s.got, trace.SpanContextFromContext(ctx))
		s.mu.Unlock()
	}
	return nil
}
func (s *spanContexts) WithAttrs([]slog.Attr) slog.Handler { return s }
func (s *spanContexts) WithGroup(string) slog.Handler      { return s }

func TestServerSpanContinuesTraceparentAndHoldsTheAccessLog(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	logs := &spanContexts{}
	h := New(Deps{
		Logger: slog.New(logs), Assistant: assistant.New(&fakeModel{}), APIKeys: []config.Secret{clientKey},
		Limits: config.Limits{MaxBodyBytes: 2048, MaxMessageChars: 100, MaxItems: 3, MaxItemFieldLen: 20}, TracerProvider: tp,
	})
	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	r := httptest.NewRequest(http.MethodPost, ChatPath, strings.NewReader(validBody))
	r.Header.Set("Authorization", "Bearer "+clientKey)
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("traceparent", "00-"+traceID+"-"+parentID+"-01")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	for _, path := range []string{HealthPath, ReadyPath} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}

	ended := spans.Ended()
	if len(ended) != 1 {
		t.Fatalf("%d spans, want the chat request's only (health endpoints are not traced)", len(ended))
	}
	s := ended[0]
	if s.Name() != m.SpanChatRequest || s.SpanKind() != trace.SpanKindServer {
		t.Errorf("span %q kind %v, want %q SERVER", s.Name(), s.SpanKind(), m.SpanChatRequest)
	}
	if s.SpanContext().TraceID().String() != traceID || s.Parent().SpanID().String() != parentID || !s.Parent().IsRemote() {
		t.Errorf("span trace %s parent %s: the incoming traceparent is not continued", s.SpanContext().TraceID(), s.Parent().SpanID())
	}
	if len(logs.got) != 3 {
		t.Fatalf("%d access-log records, want 3", len(logs.got))
	}
	if logs.got[0].SpanID() != s.SpanContext().SpanID() || logs.got[0].TraceID() != s.SpanContext().TraceID() {
		t.Errorf("the access log was written with span %s, want the server span %s", logs.got[0].SpanID(), s.SpanContext().SpanID())
	}
	if logs.got[1].IsValid() || logs.got[2].IsValid() {
		t.Error("a health request's access log has a span")
	}
}

func TestSpanName(t *testing.T) {
	for _, tc := range []struct{ method, path, want string }{
		{http.MethodPost, ChatPath, "POST /api/assistant/chat"},
		{http.MethodGet, ChatPath, "GET /api/assistant/chat"},
		{http.MethodGet, HealthPath, "GET /healthz"},
		{http.MethodHead, ReadyPath, "HEAD /readyz"},
		{http.MethodGet, "/wp-admin/../etc/passwd", "GET"},
		{"BREW", ChatPath, "HTTP /api/assistant/chat"},
		{"BREW", "/coffee", "HTTP"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Method, r.URL.Path = tc.method, tc.path
		if got := spanName(r); got != tc.want {
			t.Errorf("%s %s: span %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
}

type plainHandler struct{}

func (*plainHandler) ServeHTTP(http.ResponseWriter, *http.Request) {}

func TestNoTracerProviderLeavesTheHandlerUnwrapped(t *testing.T) {
	next := &plainHandler{}
	if got := traced(nil, nil, next); got != http.Handler(next) {
		t.Errorf("handler %T, want the one given", got)
	}
}

// TestServerSpanIsOtelhttps serves the same requests through traced and
// through otelhttp's handler with the options the API would give it, and
// checks that both spans have the same name, kind, attributes and status.
func TestServerSpanIsOtelhttps(t *testing.T) {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		switch r.URL.Path {
		case "/empty":
		case "/fail":
			w.WriteHeader(http.StatusBadGateway)
		default:
			w.WriteHeader(http.StatusTeapot)
			_, _ = w.Write([]byte("short and stout"))
		}
	})
	ours, theirs := tracetest.NewSpanRecorder(), tracetest.NewSpanRecorder()
	oursTP := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(ours))
	theirsTP := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(theirs))
	prop := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	handlers := []http.Handler{
		traced(oursTP, prop, inner),
		otelhttp.NewHandler(inner, "",
			otelhttp.WithTracerProvider(theirsTP), otelhttp.WithPropagators(prop),
			otelhttp.WithMeterProvider(noop.NewMeterProvider()),
			otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return spanName(r) })),
	}
	requests := []func() *http.Request{
		func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, ChatPath, strings.NewReader(validBody))
			r.Header.Set("User-Agent", "scanium-app/1.0")
			// otelhttp takes http.route from the pattern a ServeMux
			// matched; traced knows the API's routes.
			r.Pattern = ChatPath
			return r
		},
		func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "http://api.example:8080/empty", nil)
			r.Header.Set("X-Forwarded-For", "203.0.113.9, 10.0.0.1")
			return r
		},
		func() *http.Request {
			r := httptest.NewRequest("post", "https://api.example/fail", strings.NewReader("x"))
			r.RemoteAddr = "[2001:db8::1]:4711"
			return r
		},
		func() *http.Request {
			r := httptest.NewRequest("BREW", "https://api.example:8443/coffee", nil)
			r.Proto, r.RemoteAddr = "SPDY/3", "peer-without-port"
			return r
		},
		func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "/fail", nil)
			r.Host = "[::1]"
			return r
		},
	}
	for i, req := range requests {
		for _, h := range handlers {
			h.ServeHTTP(httptest.NewRecorder(), req())
		}
		got, want := ours.Ended(), theirs.Ended()
		if len(got) != i+1 || len(want) != i+1 {
			t.Fatalf("request %d: %d and %d spans", i, len(got), len(want))
		}
		g, w := got[i], want[i]
		if g.Name() != w.Name() || g.SpanKind() != w.SpanKind() || g.Status() != w.Status() {
			t.Errorf("request %d: span %q %v %v, otelhttp's %q %v %v", i, g.Name(), g.SpanKind(), g.Status(), w.Name(), w.SpanKind(), w.Status())
		}
		gs, ws := attribute.NewSet(g.Attributes()...), attribute.NewSet(w.Attributes()...)
		if !gs.Equals(&ws) {
			t.Errorf("request %d: attributes\n%s\nwant otelhttp's\n%s", i, gs.Encoded(attribute.DefaultEncoder()), ws.Encoded(attribute.DefaultEncoder()))
		}
	}
}

func TestCanonicalCarrierReadsAsHeaderCarrier(t *testing.T) {
	h := http.Header{}
	h.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	h.Add("baggage", "a=1")
	h.Add("baggage", "b=2")
	h.Set("X-Other", "x")
	ours, theirs := canonicalCarrier(h), propagation.HeaderCarrier(h)
	for _, key := range []string{"traceparent", "tracestate", "baggage", "x-other", "Baggage"} {
		if ours.Get(key) != theirs.Get(key) || !slices.Equal(ours.Values(key), theirs.Values(key)) {
			t.Errorf("%s: %q %q, HeaderCarrier's %q %q", key, ours.Get(key), ours.Values(key), theirs.Get(key), theirs.Values(key))
		}
	}
	var got string
	if n := testing.AllocsPerRun(100, func() { got = ours.Get("traceparent"); got = ours.Get("tracestate") }); n != 0 {
		t.Errorf("%v allocations reading the W3C headers, want 0", n)
	}
	_ = got
}
