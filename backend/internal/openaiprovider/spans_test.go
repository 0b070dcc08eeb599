package openaiprovider

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
	"go.opentelemetry.io/otel/trace"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/scanium/openai-monitoring/backend/config"
	"github.com/scanium/openai-monitoring/backend/internal/otlptest"
	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/backend/openaisim"
	"github.com/scanium/openai-monitoring/backend/openaisim/simtest"
)

const (
	spanTestModel = "gpt-4o-mini"
	spanTestKey   = "sk-span-test-5f1d9c0b7e2a4c68"
	userText      = "Generate a listing title for a brass desk lamp, serial XK-4471"
	systemText    = "You write listing titles for second-hand goods."
)

// spanFixture is a Provider talking to the simulator, exporting its spans
// over OTLP/HTTP to an in-process receiver and its metrics to a
// ManualReader.
type spanFixture struct {
	model    string
	sim      *openaisim.Server
	host     string
	port     int
	provider *Provider
	tp       *sdktrace.TracerProvider
	recv     *otlptest.Receiver
	metrics  *sdkmetric.ManualReader
	capture  bool
	mu       sync.Mutex
	waits    []time.Duration
}

func newSpanFixture(t *testing.T, maxRetries int, timeout time.Duration, capture bool) *spanFixture {
	t.Helper()
	return newSpanFixtureFor(t, spanTestModel, maxRetries, timeout, capture)
}

// newSpanFixtureFor is a spanFixture whose provider asks model.
func newSpanFixtureFor(t *testing.T, model string, maxRetries int, timeout time.Duration, capture bool) *spanFixture {
	t.Helper()
	sim, baseURL := simtest.Start(t, openaisim.Config{APIKeys: []string{spanTestKey}})
	f := &spanFixture{model: model, sim: sim, recv: otlptest.New(t), metrics: sdkmetric.NewManualReader(), capture: capture}
	exporter, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(f.recv.URL+"/v1/traces"))
	if err != nil {
		t.Fatal(err)
	}
	f.tp = sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	t.Cleanup(func() { _ = f.tp.Shutdown(context.Background()) })
	recorder, err := NewRecorder(sdkmetric.NewMeterProvider(sdkmetric.WithReader(f.metrics)), model)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(baseURL)
	f.host = u.Hostname()
	f.port, _ = strconv.Atoi(u.Port())
	f.provider = New(Config{
		APIKey: config.Secret(spanTestKey), BaseURL: baseURL, Model: model,
		Timeout: timeout, MaxRetries: maxRetries, TracerProvider: f.tp, CaptureMessageContent: capture,
	}, recorder, WithSleep(func(ctx context.Context, d time.Duration) error {
		f.mu.Lock()
		f.waits = append(f.waits, d)
		f.mu.Unlock()
		return ctx.Err()
	}))
	return f
}

// chat calls the provider inside a parent span, as the API's server span
// is, and returns the parent's context with the call's outcome.
func (f *spanFixture) chat(t *testing.T, user string) (trace.SpanContext, Response, error) {
	t.Helper()
	return f.chatWith(t, systemText, user, 100)
}

// chatWith is chat with this system prompt and token limit.
func (f *spanFixture) chatWith(t *testing.T, system, user string, maxTokens int) (trace.SpanContext, Response, error) {
	t.Helper()
	ctx, parent := f.tp.Tracer("test").Start(context.Background(), "parent", trace.WithSpanKind(trace.SpanKindServer))
	resp, err := f.provider.Chat(ctx, Request{Messages: []Message{
		{Role: RoleSystem, Content: system},
		{Role: RoleUser, Content: user},
	}, MaxTokens: maxTokens})
	parent.End()
	return parent.SpanContext(), resp, err
}

// attemptSpans flushes the spans and returns the attempt spans, checking
// what every one of them must be: a CLIENT child of parent, named and
// attributed after the GenAI conventions, with no key and no text.
func (f *spanFixture) attemptSpans(t *testing.T, parent trace.SpanContext) []*tracepb.Span {
	t.Helper()
	if err := f.tp.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if errs := f.recv.Errors(); len(errs) > 0 {
		t.Fatal(errs)
	}
	spans := otlptest.SpanNamed(f.recv.Spans(), "chat "+f.model)
	for _, s := range spans {
		a := s.GetAttributes()
		if s.GetKind() != tracepb.Span_SPAN_KIND_CLIENT {
			t.Errorf("span kind %v, want CLIENT", s.GetKind())
		}
		if otlptest.Hex(s.GetTraceId()) != parent.TraceID().String() || otlptest.Hex(s.GetParentSpanId()) != parent.SpanID().String() {
			t.Errorf("span's trace %x parent %x, want the parent span's %s %s", s.GetTraceId(), s.GetParentSpanId(), parent.TraceID(), parent.SpanID())
		}
		for key, want := range map[string]string{
			m.AttrGenAIOperationName: m.OperationChat, m.AttrGenAIProviderName: m.ProviderOpenAI,
			m.AttrGenAIRequestModel: f.model, m.AttrServerAddress: f.host,
		} {
			if got := otlptest.Str(a, key); got != want {
				t.Errorf("%s = %q, want %q", key, got, want)
			}
		}
		if got := otlptest.Int(a, m.AttrServerPort); got != int64(f.port) {
			t.Errorf("%s = %d, want %d", m.AttrServerPort, got, f.port)
		}
	}
	never := []string{spanTestKey, "Bearer"}
	if !f.capture {
		never = append(never, userText, systemText)
	}
	for _, secret := range never {
		if f.recv.RawContains(secret) {
			t.Errorf("an exported span holds %q", secret)
		}
	}
	return spans
}

func TestSpanOfASuccessfulCall(t *testing.T) {
	f := newSpanFixture(t, 2, 5*time.Second, false)
	parent, resp, err := f.chat(t, userText)
	if err != nil {
		t.Fatal(err)
	}
	spans := f.attemptSpans(t, parent)
	if len(spans) != 1 {
		t.Fatalf("%d attempt spans, want 1", len(spans))
	}
	s := spans[0]
	a := s.GetAttributes()
	if s.GetStatus().GetCode() == tracepb.Status_STATUS_CODE_ERROR {
		t.Errorf("status %v", s.GetStatus())
	}
	for key, want := range map[string]string{
		m.AttrGenAIResponseModel: resp.Model, m.AttrOpenAIRequestID: resp.RequestID,
	} {
		if got := otlptest.Str(a, key); got != want || got == "" {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	if !strings.HasPrefix(otlptest.Str(a, m.AttrGenAIResponseID), "chatcmpl-") {
		t.Errorf("%s = %q", m.AttrGenAIResponseID, otlptest.Str(a, m.AttrGenAIResponseID))
	}
	reasons, _ := otlptest.Attr(a, m.AttrGenAIResponseFinishReasons)
	if vs := reasons.GetArrayValue().GetValues(); len(vs) != 1 || vs[0].GetStringValue() != "stop" {
		t.Errorf("%s = %v, want [stop]", m.AttrGenAIResponseFinishReasons, reasons)
	}
	for key, want := range map[string]int64{
		m.AttrGenAIUsageInputTokens: resp.Usage.InputTokens, m.AttrGenAIUsageOutputTokens: resp.Usage.OutputTokens,
		m.AttrHTTPResponseStatusCode: 200, m.AttrOpenAIAttemptNumber: 1,
	} {
		if got := otlptest.Int(a, key); got != want {
			t.Errorf("%s = %d, want %d", key, got, want)
		}
	}
	// A short prompt to a model that does not reason: both parts are there,
	// at 0.
	for _, key := range []string{attrCacheRead, attrReasoning} {
		if v, ok := otlptest.Attr(a, key); !ok || v.GetIntValue() != 0 {
			t.Errorf("%s = %v (set %v), want 0", key, v, ok)
		}
	}
	if v, ok := otlptest.Attr(a, m.AttrOpenAIAttemptBackoffSeconds); !ok || v.GetDoubleValue() != 0 {
		t.Errorf("%s = %v, want 0", m.AttrOpenAIAttemptBackoffSeconds, v)
	}
	for _, key := range []string{m.AttrErrorType, m.AttrGenAIInputMessages, m.AttrGenAIOutputMessages} {
		if _, ok := otlptest.Attr(a, key); ok {
			t.Errorf("a successful span without content capture has %s", key)
		}
	}
	if f.recv.RawContains(resp.Reply) {
		t.Error("an exported span holds the reply")
	}
	f.assertExemplarsCarry(t, spans)
}

// assertExemplarsCarry checks that the duration histogram's exemplars are
// those of the attempt spans: the provider records with the span's context.
func (f *spanFixture) assertExemplarsCarry(t *testing.T, spans []*tracepb.Span) {
	t.Helper()
	want := map[string]bool{}
	for _, s := range spans {
		want[otlptest.Hex(s.GetSpanId())] = true
	}
	var rm metricdata.ResourceMetrics
	if err := f.metrics.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, sm := range rm.ScopeMetrics {
		for _, md := range sm.Metrics {
			if md.Name != m.RequestDurationSeconds {
				continue
			}
			for _, dp := range md.Data.(metricdata.Histogram[float64]).DataPoints {
				for _, ex := range dp.Exemplars {
					found++
					if !want[otlptest.Hex(ex.SpanID)] {
						t.Errorf("exemplar of span %x, which is no attempt span", ex.SpanID)
					}
				}
			}
		}
	}
	if found == 0 {
		t.Error("the duration histogram has no exemplar")
	}
}

// The GenAI conventions' keys of the usage's parts, as semconv v1.41.0
// declares them.
var (
	attrCacheRead = string(semconv.GenAIUsageCacheReadInputTokensKey)
	attrReasoning = string(semconv.GenAIUsageReasoningOutputTokensKey)
)

// TestSpanCarriesCachedAndReasoningTokens: a reasoning model asked twice
// with the same long prompt; each span carries its answer's cached and
// reasoning tokens, the second one's read from the cache.
func TestSpanCarriesCachedAndReasoningTokens(t *testing.T) {
	f := newSpanFixtureFor(t, "gpt-5-mini", 0, 5*time.Second, false)
	system := strings.Repeat(systemText+" ", 120)
	var usages []Usage
	var parents []trace.SpanContext
	for range 2 {
		parent, resp, err := f.chatWith(t, system, userText, 2000)
		if err != nil {
			t.Fatal(err)
		}
		usages = append(usages, resp.Usage)
		parents = append(parents, parent)
	}
	if usages[0].CachedInputTokens != 0 || usages[1].CachedInputTokens == 0 || usages[0].ReasoningTokens == 0 {
		t.Fatalf("usages %+v: want the second prompt cached and both reasoning", usages)
	}
	if err := f.tp.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	spans := otlptest.SpanNamed(f.recv.Spans(), "chat gpt-5-mini")
	if len(spans) != 2 {
		t.Fatalf("%d attempt spans, want 2", len(spans))
	}
	for i, s := range spans { // exported in the order they ended
		if otlptest.Hex(s.GetTraceId()) != parents[i].TraceID().String() {
			t.Fatalf("span %d is not of call %d", i, i)
		}
		a := s.GetAttributes()
		for key, want := range map[string]int64{
			m.AttrGenAIUsageInputTokens: usages[i].InputTokens, m.AttrGenAIUsageOutputTokens: usages[i].OutputTokens,
			attrCacheRead: usages[i].CachedInputTokens, attrReasoning: usages[i].ReasoningTokens,
		} {
			if got := otlptest.Int(a, key); got != want {
				t.Errorf("span %d: %s = %d, want %d", i, key, got, want)
			}
		}
	}
}

func TestSpanOfEachErrorType(t *testing.T) {
	for _, tc := range []struct {
		name      string
		fault     openaisim.Fault
		errorType string
		status    int64 // -1: no answer came
	}{
		{"401", openaisim.Fault401, m.ErrorUnauthorized, 401},
		{"429", openaisim.Fault429, m.ErrorRateLimited, 429},
		{"500", openaisim.Fault500, m.ErrorProviderUnavailable, 500},
		{"503", openaisim.Fault503, m.ErrorProviderUnavailable, 503},
		{"html 502", openaisim.Fault502, m.ErrorProviderUnavailable, 502},
		{"hang", openaisim.FaultHang, m.ErrorProviderUnavailable, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			timeout := 5 * time.Second
			if tc.fault == openaisim.FaultHang {
				timeout = 300 * time.Millisecond // the call's deadline ends the hang
			}
			f := newSpanFixture(t, 0, timeout, false)
			if err := f.sim.Script(tc.fault); err != nil {
				t.Fatal(err)
			}
			parent, _, err := f.chat(t, userText)
			var callErr *Error
			if !errors.As(err, &callErr) || callErr.Kind.Label() != tc.errorType {
				t.Fatalf("error %v, want a %s", err, tc.errorType)
			}
			spans := f.attemptSpans(t, parent)
			if len(spans) != 1 {
				t.Fatalf("%d attempt spans, want 1", len(spans))
			}
			a := spans[0].GetAttributes()
			if got := otlptest.Str(a, m.AttrErrorType); got != tc.errorType {
				t.Errorf("%s = %q, want %q", m.AttrErrorType, got, tc.errorType)
			}
			if st := spans[0].GetStatus(); st.GetCode() != tracepb.Status_STATUS_CODE_ERROR || st.GetMessage() != tc.errorType {
				t.Errorf("status %v, want Error %s", st, tc.errorType)
			}
			if got := otlptest.Int(a, m.AttrHTTPResponseStatusCode); got != tc.status {
				t.Errorf("%s = %d, want %d", m.AttrHTTPResponseStatusCode, got, tc.status)
			}
			if tc.status > 0 && tc.fault != openaisim.Fault502 && otlptest.Str(a, m.AttrOpenAIRequestID) != callErr.RequestID {
				t.Errorf("%s = %q, want %q", m.AttrOpenAIRequestID, otlptest.Str(a, m.AttrOpenAIRequestID), callErr.RequestID)
			}
			for _, key := range []string{m.AttrGenAIResponseModel, m.AttrGenAIUsageInputTokens, attrCacheRead, attrReasoning} {
				if _, ok := otlptest.Attr(a, key); ok {
					t.Errorf("a failed attempt's span has %s", key)
				}
			}
		})
	}
}

func TestOneSpanPerAttemptOfARetriedCall(t *testing.T) {
	f := newSpanFixture(t, 2, 5*time.Second, false)
	if err := f.sim.Script(openaisim.Fault500, openaisim.Fault503); err != nil {
		t.Fatal(err)
	}
	parent, resp, err := f.chat(t, userText)
	if err != nil || resp.Attempts != 3 {
		t.Fatalf("attempts %d err %v, want a success at the third", resp.Attempts, err)
	}
	spans := f.attemptSpans(t, parent)
	if len(spans) != 3 || len(f.waits) != 2 {
		t.Fatalf("%d attempt spans and %d waits, want 3 and 2", len(spans), len(f.waits))
	}
	for i, s := range spans { // exported in the order they ended
		a := s.GetAttributes()
		if got := otlptest.Int(a, m.AttrOpenAIAttemptNumber); got != int64(i+1) {
			t.Errorf("span %d: %s = %d", i, m.AttrOpenAIAttemptNumber, got)
		}
		wantWait := 0.0
		if i > 0 {
			wantWait = f.waits[i-1].Seconds()
		}
		if v, _ := otlptest.Attr(a, m.AttrOpenAIAttemptBackoffSeconds); v.GetDoubleValue() != wantWait {
			t.Errorf("span %d: %s = %v, want %v", i, m.AttrOpenAIAttemptBackoffSeconds, v.GetDoubleValue(), wantWait)
		}
		failed := s.GetStatus().GetCode() == tracepb.Status_STATUS_CODE_ERROR
		if failed != (i < 2) {
			t.Errorf("span %d: status %v", i, s.GetStatus())
		}
	}
	f.assertExemplarsCarry(t, spans)
}

func TestContentCaptureIsOptInAndBounded(t *testing.T) {
	f := newSpanFixture(t, 0, 5*time.Second, true)
	long := strings.Repeat("é", m.MaxCapturedMessageBytes) // 2 bytes a character
	parent, resp, err := f.chat(t, long)
	if err != nil {
		t.Fatal(err)
	}
	spans := f.attemptSpans(t, parent)
	if len(spans) != 1 {
		t.Fatalf("%d attempt spans, want 1", len(spans))
	}
	a := spans[0].GetAttributes()
	var in, out []capturedMessage
	if err := json.Unmarshal([]byte(otlptest.Str(a, m.AttrGenAIInputMessages)), &in); err != nil {
		t.Fatalf("%s: %v", m.AttrGenAIInputMessages, err)
	}
	if err := json.Unmarshal([]byte(otlptest.Str(a, m.AttrGenAIOutputMessages)), &out); err != nil {
		t.Fatalf("%s: %v", m.AttrGenAIOutputMessages, err)
	}
	wantIn := []capturedMessage{
		{Role: RoleSystem, Parts: []capturedPart{{Type: "text", Content: systemText}}},
		{Role: RoleUser, Parts: []capturedPart{{Type: "text", Content: long[:m.MaxCapturedMessageBytes-4] + "…"}}},
	}
	if !reflect.DeepEqual(in, wantIn) {
		t.Errorf("%s = %.300v\nwant the messages, the user's cut to %d bytes", m.AttrGenAIInputMessages, in, m.MaxCapturedMessageBytes)
	}
	wantOut := []capturedMessage{{Role: "assistant", Parts: []capturedPart{{Type: "text", Content: cut(resp.Reply, m.MaxCapturedMessageBytes)}}, FinishReason: "stop"}}
	if !reflect.DeepEqual(out, wantOut) {
		t.Errorf("%s = %v, want %v", m.AttrGenAIOutputMessages, out, wantOut)
	}
	if f.recv.RawContains(spanTestKey) {
		t.Error("an exported span holds the key")
	}
}

func TestCut(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"abcdefghij", 10, "abcdefghij"},
		{"abcdefghijk", 10, "abcdefg…"},
		{"ééééé", 8, "éé…"},
	} {
		if got := cut(tc.s, tc.n); got != tc.want || len(got) > tc.n {
			t.Errorf("cut(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}

func TestNoTracerProviderStartsNoSpan(t *testing.T) {
	p := New(Config{Model: spanTestModel, BaseURL: "http://127.0.0.1:1/v1"}, nil)
	ctx := context.Background()
	if got, span := p.spans.startAttempt(ctx, 1, 0, nil); got != ctx || span.span != nil {
		t.Error("a provider without a TracerProvider starts spans")
	}
	if n := testing.AllocsPerRun(100, func() {
		_, span := p.spans.startAttempt(ctx, 1, 0, nil)
		span.failed(KindProviderError, "")
		noteAnswerStatus(ctx, 200)
	}); n != 0 {
		t.Errorf("%v allocations per attempt without a TracerProvider, want 0", n)
	}
}
