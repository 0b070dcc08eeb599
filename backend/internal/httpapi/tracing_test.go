package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

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
