package openaiprovider

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

var streamUsage = Usage{InputTokens: 1500, OutputTokens: 300, TotalTokens: 1800, CachedInputTokens: 1280, ReasoningTokens: 200}

// streamMessages is the request every streamed test sends.
var streamMessages = Request{Messages: []Message{
	{Role: RoleSystem, Content: "You write listing titles."},
	{Role: RoleUser, Content: "Generate a listing title for a brass desk lamp"},
}, MaxTokens: 100}

// deltas gathers the texts a streamed call hands over.
type deltas struct {
	mu    sync.Mutex
	texts []string
}

func (d *deltas) add(text string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.texts = append(d.texts, text)
	return nil
}

func (d *deltas) got() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.texts)
}

// tickingClock is a clock that moves on by step each time it is read.
func tickingClock(step time.Duration) func() time.Time {
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(step)
		return now
	}
}

func streamLabels(status, errorType string) map[string]string {
	l := map[string]string{m.LabelModel: testModel, m.LabelStatus: status, m.LabelStream: m.StreamTrue}
	if errorType != "" {
		l[m.LabelErrorType] = errorType
	}
	return l
}

// errorSeries sums every error series of the requests counter.
func errorSeries(t *testing.T, f *simFixture) int64 {
	t.Helper()
	got := f.collect()
	var n int64
	for _, stream := range m.Streams() {
		for _, errorType := range m.ErrorTypes() {
			v, _ := sumValue(t, got, m.RequestsTotal, map[string]string{m.LabelModel: testModel,
				m.LabelStatus: m.StatusError, m.LabelErrorType: errorType, m.LabelStream: stream})
			n += v
		}
	}
	return n
}

func TestChatStreamDeltasUsageAndMetrics(t *testing.T) {
	var asked streamRequest
	srv := newHandlerServer(t, func(w http.ResponseWriter, r *http.Request) {
		asked = decodeStreamRequest(t, r)
		writeStream(w, streamUsage, "Brass", " desk", " lamp")
	})
	f := newFixtureAt(t, srv.URL+"/v1", Config{})
	// Each read of the clock is 100 ms on: the request is sent at the first
	// read, its first content chunk comes at the second, its end at the third.
	f.provider.now = tickingClock(100 * time.Millisecond)
	var d deltas
	resp, err := f.provider.ChatStream(context.Background(), streamMessages, d.add)
	if err != nil {
		t.Fatal(err)
	}
	if !asked.Stream || asked.StreamOptions == nil || !asked.StreamOptions.IncludeUsage {
		t.Errorf("request %+v, want stream and stream_options.include_usage", asked)
	}
	if got := d.got(); !slices.Equal(got, []string{"Brass", " desk", " lamp"}) {
		t.Errorf("deltas %q", got)
	}
	if resp.Reply != "Brass desk lamp" || resp.Model != testModel || resp.Usage != streamUsage ||
		resp.RequestID != "req_stream1" || resp.Attempts != 1 {
		t.Errorf("response %+v", resp)
	}
	got := f.collect()
	if v, ok := sumValue(t, got, m.RequestsTotal, streamLabels(m.StatusSuccess, "")); !ok || v != 1 {
		t.Errorf("streamed successes = %d (found %v), want 1", v, ok)
	}
	if v, _ := sumValue(t, got, m.RequestsTotal, map[string]string{m.LabelModel: testModel, m.LabelStatus: m.StatusSuccess}); v != 0 {
		t.Errorf("successes not streamed = %d, want 0", v)
	}
	for tokenType, want := range map[string]int64{
		m.TokenInput: 1500, m.TokenOutput: 300, m.TokenTotal: 1800, m.TokenCachedInput: 1280, m.TokenReasoning: 200,
	} {
		if v, ok := sumValue(t, got, m.TokensTotal, map[string]string{m.LabelModel: testModel, m.LabelTokenType: tokenType}); !ok || v != want {
			t.Errorf("tokens{%s} = %d (found %v), want %d, the usage chunk's", tokenType, v, ok, want)
		}
	}
	if dp, ok := histogramPointOf(t, got, m.TimeToFirstTokenSeconds, streamLabels(m.StatusSuccess, "")); !ok || dp.Count != 1 || dp.Sum != 0.1 {
		t.Errorf("first token: count %d sum %v (found %v), want one of 0.1 s", dp.Count, dp.Sum, ok)
	}
	if dp, ok := histogramPoint(t, got, streamLabels(m.StatusSuccess, "")); !ok || dp.Count != 1 || dp.Sum != 0.2 {
		t.Errorf("duration: count %d sum %v (found %v), want one of 0.2 s, to the stream's end", dp.Count, dp.Sum, ok)
	}
	if v, ok := gaugeValue(t, got, m.RateLimitRequestsRemaining, map[string]string{m.LabelModel: testModel, m.LabelLimitType: m.LimitRequests}); !ok || v != 99 {
		t.Errorf("remaining requests %v (set %v), want 99 from the stream's header", v, ok)
	}
}

// firstTokenCount is how many attempts the first-token histogram holds,
// over all its points.
func firstTokenCount(t *testing.T, f *simFixture) uint64 {
	t.Helper()
	metric, ok := f.collect()[m.TimeToFirstTokenSeconds]
	if !ok {
		return 0
	}
	var n uint64
	for _, dp := range metric.Data.(metricdata.Histogram[float64]).DataPoints {
		if labels(dp.Attributes)[m.LabelStream] != m.StreamTrue {
			t.Errorf("first-token point %v of a call not streamed", labels(dp.Attributes))
		}
		n += dp.Count
	}
	return n
}

// TestFirstTokenOnlyForStreams: a call that is not streamed records no time
// to a first token, a streamed one does.
func TestFirstTokenOnlyForStreams(t *testing.T) {
	srv := newHandlerServer(t, func(w http.ResponseWriter, r *http.Request) {
		if decodeStreamRequest(t, r).Stream {
			writeStream(w, streamUsage, "Brass lamp")
			return
		}
		writeCompletion(w)
	})
	f := newFixtureAt(t, srv.URL+"/v1", Config{})
	if _, err := f.provider.Chat(context.Background(), streamMessages); err != nil {
		t.Fatal(err)
	}
	if n := firstTokenCount(t, f); n != 0 {
		t.Errorf("%d first tokens after a call not streamed, want 0", n)
	}
	if _, err := f.provider.ChatStream(context.Background(), streamMessages, (&deltas{}).add); err != nil {
		t.Fatal(err)
	}
	if n := firstTokenCount(t, f); n != 1 {
		t.Errorf("%d first tokens after a streamed call, want 1", n)
	}
}

// TestChatStreamRetriesBeforeTheFirstChunk: a 429 before the stream began is
// retried after its retry-after; both attempts are recorded, streamed, and
// only the second has a first token.
func TestChatStreamRetriesBeforeTheFirstChunk(t *testing.T) {
	var hits atomic.Int64
	srv := newHandlerServer(t, func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", "1")
			w.Header().Set("X-Ratelimit-Remaining-Requests", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`))
			return
		}
		writeStream(w, streamUsage, "Brass", " lamp")
	})
	f := newFixtureAt(t, srv.URL+"/v1", Config{MaxRetries: 2})
	var d deltas
	resp, err := f.provider.ChatStream(context.Background(), streamMessages, d.add)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Attempts != 2 || srv.hits.Load() != 2 || !slices.Equal(d.got(), []string{"Brass", " lamp"}) {
		t.Errorf("attempts %d, server hits %d, deltas %q: want 2, 2 and the second stream's", resp.Attempts, srv.hits.Load(), d.got())
	}
	if !slices.Equal(f.waits, []time.Duration{time.Second}) {
		t.Errorf("waits %v, want the 1 s of retry-after", f.waits)
	}
	got := f.collect()
	for _, tc := range []struct {
		status, errorType string
	}{{m.StatusError, m.ErrorRateLimited}, {m.StatusSuccess, ""}} {
		if v, ok := sumValue(t, got, m.RequestsTotal, streamLabels(tc.status, tc.errorType)); !ok || v != 1 {
			t.Errorf("requests %s %s = %d (found %v), want 1", tc.status, tc.errorType, v, ok)
		}
	}
	if n := firstTokenCount(t, f); n != 1 {
		t.Errorf("%d first tokens, want 1: the 429 had none", n)
	}
}

// TestChatStreamNoRetryAfterTheFirstChunk: a stream cut after chunks were
// handed over fails the call without a retry, one attempt recorded as an
// error, with its first token.
func TestChatStreamNoRetryAfterTheFirstChunk(t *testing.T) {
	srv := newHandlerServer(t, func(w http.ResponseWriter, r *http.Request) {
		s := startSSE(w)
		s.data(contentChunk("Brass"))
		s.data(contentChunk(" desk"))
		cutConnection(t, w)
	})
	f := newFixtureAt(t, srv.URL+"/v1", Config{MaxRetries: 2})
	var d deltas
	_, err := f.provider.ChatStream(context.Background(), streamMessages, d.add)
	var perr *Error
	if !errors.As(err, &perr) || perr.Kind != KindProviderError || perr.Attempts != 1 {
		t.Fatalf("error %v, want a PROVIDER_ERROR after 1 attempt", err)
	}
	if srv.hits.Load() != 1 || len(f.waits) != 0 || !slices.Equal(d.got(), []string{"Brass", " desk"}) {
		t.Errorf("server hits %d, waits %v, deltas %q: want no retry after the chunks", srv.hits.Load(), f.waits, d.got())
	}
	got := f.collect()
	if v, ok := sumValue(t, got, m.RequestsTotal, streamLabels(m.StatusError, m.ErrorProviderError)); !ok || v != 1 {
		t.Errorf("streamed PROVIDER_ERROR = %d (found %v), want 1", v, ok)
	}
	if dp, ok := histogramPointOf(t, got, m.TimeToFirstTokenSeconds, streamLabels(m.StatusError, "")); !ok || dp.Count != 1 {
		t.Errorf("first token of the failed attempt: count %d (found %v), want 1 with status error", dp.Count, ok)
	}
	if strings.Contains(err.Error(), testKey) {
		t.Errorf("error leaks the key: %v", err)
	}
}

// TestChatStreamEndingBeforeItsLastChunk: a stream that ends cleanly but
// before any chunk finished the answer was cut: a PROVIDER_ERROR.
func TestChatStreamEndingBeforeItsLastChunk(t *testing.T) {
	srv := newHandlerServer(t, func(w http.ResponseWriter, r *http.Request) {
		startSSE(w).data(contentChunk("Brass"))
	})
	f := newFixtureAt(t, srv.URL+"/v1", Config{MaxRetries: 2})
	_, err := f.provider.ChatStream(context.Background(), streamMessages, (&deltas{}).add)
	var perr *Error
	if !errors.As(err, &perr) || perr.Kind != KindProviderError || srv.hits.Load() != 1 ||
		!strings.Contains(err.Error(), errStreamCut.Error()) {
		t.Fatalf("error %v after %d requests, want a PROVIDER_ERROR saying the stream was cut, not retried", err, srv.hits.Load())
	}
}

// TestChatStreamCancelledByTheCaller: a caller that goes away mid-stream,
// by its context or by failing to take a delta, cancels OpenAI's request;
// the attempt is recorded as cancelled, no error, and the usage that
// arrived is counted.
func TestChatStreamCancelledByTheCaller(t *testing.T) {
	for _, how := range []string{"context", "delta"} {
		t.Run(how, func(t *testing.T) {
			upstreamCancelled := make(chan struct{})
			srv := newHandlerServer(t, func(w http.ResponseWriter, r *http.Request) {
				s := startSSE(w)
				s.data(contentChunk("Brass"))
				s.data(usageChunk(streamUsage)) // early, to tell that arrived usage counts
				s.data(contentChunk(" lamp"))
				<-r.Context().Done()
				close(upstreamCancelled)
			})
			f := newFixtureAt(t, srv.URL+"/v1", Config{MaxRetries: 2})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var d deltas
			resp, err := f.provider.ChatStream(ctx, streamMessages, func(text string) error {
				_ = d.add(text)
				if text != " lamp" {
					return nil
				}
				if how == "context" {
					cancel()
					return nil
				}
				return errors.New("write: broken pipe")
			})
			if !errors.Is(err, ErrCancelled) || resp.Attempts != 1 || resp.RequestID != "req_stream1" {
				t.Fatalf("error %v, response %+v: want ErrCancelled after 1 attempt", err, resp)
			}
			select {
			case <-upstreamCancelled:
			case <-time.After(10 * time.Second):
				t.Fatal("OpenAI's request was not cancelled")
			}
			if srv.hits.Load() != 1 || len(f.waits) != 0 {
				t.Errorf("server hits %d, waits %v: a cancelled call is not retried", srv.hits.Load(), f.waits)
			}
			got := f.collect()
			if v, ok := sumValue(t, got, m.RequestsTotal, streamLabels(m.StatusCancelled, "")); !ok || v != 1 {
				t.Errorf("cancelled = %d (found %v), want 1", v, ok)
			}
			if n := errorSeries(t, f); n != 0 {
				t.Errorf("%d errors counted, want none", n)
			}
			if v, _ := sumValue(t, got, m.TokensTotal, map[string]string{m.LabelModel: testModel, m.LabelTokenType: m.TokenInput}); v != streamUsage.InputTokens {
				t.Errorf("input tokens %d, want the %d that arrived", v, streamUsage.InputTokens)
			}
			if dp, ok := histogramPointOf(t, got, m.TimeToFirstTokenSeconds, streamLabels(m.StatusCancelled, "")); !ok || dp.Count != 1 {
				t.Errorf("first token of the cancelled attempt: count %d (found %v), want 1", dp.Count, ok)
			}
		})
	}
}

// TestSpanOfAStreamedAttempt: the CLIENT span of a streamed attempt has
// the attributes of any attempt, gen_ai.request.stream, the time to the
// first chunk, the usage of the last chunk and the stream's outcome; a
// failed one error.type and status Error; a cancelled one no error.
func TestSpanOfAStreamedAttempt(t *testing.T) {
	for _, tc := range []struct {
		name      string
		serve     func(t *testing.T, w http.ResponseWriter)
		cancel    bool
		outcome   string
		errorType string
	}{
		{"done", func(_ *testing.T, w http.ResponseWriter) { writeStream(w, streamUsage, "Brass", " lamp") }, false, m.StreamOutcomeDone, ""},
		{"error", func(t *testing.T, w http.ResponseWriter) {
			startSSE(w).data(contentChunk("Brass"))
			cutConnection(t, w)
		}, false, m.StreamOutcomeError, m.ErrorProviderError},
		{"cancelled", func(_ *testing.T, w http.ResponseWriter) { startSSE(w).data(contentChunk("Brass")) }, true, m.StreamOutcomeCancelled, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newHandlerServer(t, func(w http.ResponseWriter, r *http.Request) {
				tc.serve(t, w)
				if tc.cancel {
					<-r.Context().Done()
				}
			})
			exporter := tracetest.NewInMemoryExporter()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
			t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
			f := newFixtureAt(t, srv.URL+"/v1", Config{TracerProvider: tp})
			f.provider.now = tickingClock(250 * time.Millisecond)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			_, err := f.provider.ChatStream(ctx, streamMessages, func(string) error {
				if tc.cancel {
					cancel()
				}
				return nil
			})
			if (err == nil) != (tc.outcome == m.StreamOutcomeDone) {
				t.Fatalf("error %v", err)
			}
			spans := exporter.GetSpans()
			if len(spans) != 1 {
				t.Fatalf("%d spans, want 1", len(spans))
			}
			s := spans[0]
			a := map[attribute.Key]attribute.Value{}
			for _, kv := range s.Attributes {
				a[kv.Key] = kv.Value
			}
			if s.Name != m.ChatSpanName(testModel) || !a[m.AttrGenAIRequestStream].AsBool() ||
				a[m.AttrOpenAIStreamOutcome].AsString() != tc.outcome || a[m.AttrOpenAIAttemptNumber].AsInt64() != 1 ||
				a[m.AttrHTTPResponseStatusCode].AsInt64() != 200 || a[m.AttrGenAIResponseModel].AsString() != testModel {
				t.Errorf("span %s attributes %v", s.Name, s.Attributes)
			}
			// The clock reads 250 ms on at each read: sent, then first chunk.
			if v, ok := a[m.AttrGenAIResponseTimeToFirstChunk]; !ok || v.AsFloat64() != 0.25 {
				t.Errorf("%s = %v (set %v), want 0.25", m.AttrGenAIResponseTimeToFirstChunk, v.AsFloat64(), ok)
			}
			if _, ok := a[m.AttrGenAIUsageInputTokens]; ok != (tc.outcome == m.StreamOutcomeDone) {
				t.Errorf("usage attributes set %v: only the whole stream had its usage chunk", ok)
			} else if ok && a[m.AttrGenAIUsageCacheReadInputTokens].AsInt64() != streamUsage.CachedInputTokens {
				t.Errorf("cached input %d", a[m.AttrGenAIUsageCacheReadInputTokens].AsInt64())
			}
			if got := a[m.AttrErrorType].AsString(); got != tc.errorType || (s.Status.Code == codes.Error) != (tc.errorType != "") {
				t.Errorf("error.type %q status %v, want %q", got, s.Status, tc.errorType)
			}
			if _, ok := a[m.AttrGenAIOutputMessages]; ok {
				t.Error("the reply is on the span with content capture off")
			}
		})
	}
}

// TestChatStreamTimeoutMidStream: Config.Timeout bounds the stream too; a
// stream that outlasts it fails as PROVIDER_UNAVAILABLE, not retried, and
// the attempt is an error, not a cancellation.
func TestChatStreamTimeoutMidStream(t *testing.T) {
	srv := newHandlerServer(t, func(w http.ResponseWriter, r *http.Request) {
		startSSE(w).data(contentChunk("Brass"))
		<-r.Context().Done()
	})
	f := newFixtureAt(t, srv.URL+"/v1", Config{MaxRetries: 2, Timeout: 200 * time.Millisecond})
	_, err := f.provider.ChatStream(context.Background(), streamMessages, (&deltas{}).add)
	var perr *Error
	if !errors.As(err, &perr) || perr.Kind != KindProviderUnavailable || perr.Attempts != 1 || srv.hits.Load() != 1 {
		t.Fatalf("error %v after %d requests, want PROVIDER_UNAVAILABLE after 1", err, srv.hits.Load())
	}
	got := f.collect()
	if v, ok := sumValue(t, got, m.RequestsTotal, streamLabels(m.StatusError, m.ErrorProviderUnavailable)); !ok || v != 1 {
		t.Errorf("streamed PROVIDER_UNAVAILABLE = %d (found %v), want 1", v, ok)
	}
	if v, _ := sumValue(t, got, m.RequestsTotal, streamLabels(m.StatusCancelled, "")); v != 0 {
		t.Errorf("cancelled = %d, want 0: the caller was still there", v)
	}
}
