package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/scanium/openai-monitoring/backend/config"
	"github.com/scanium/openai-monitoring/backend/internal/assistant"
	"github.com/scanium/openai-monitoring/backend/internal/openaiprovider"
	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

const streamBody = `{"message": "Generate a listing title for this item", "items": [{"itemId": "test-123", "currentTitle": "Test Item"}], "stream": true}`

// event is one server-sent event of a streamed answer.
type event struct {
	name string
	data string
}

// readEvent reads the next event; io.EOF at the stream's end.
func readEvent(r *bufio.Reader) (event, error) {
	var ev event
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			if err == io.EOF && (ev.name != "" || line != "") {
				return ev, io.ErrUnexpectedEOF
			}
			return ev, err
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "" && ev.name != "":
			return ev, nil
		case strings.HasPrefix(line, "event: "):
			ev.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			if ev.data != "" {
				return ev, fmt.Errorf("event %s has two data lines", ev.name)
			}
			ev.data = strings.TrimPrefix(line, "data: ")
		default:
			return ev, fmt.Errorf("unexpected line %q", line)
		}
	}
}

func readEvents(t *testing.T, body io.Reader) []event {
	t.Helper()
	r := bufio.NewReader(body)
	var out []event
	for {
		ev, err := readEvent(r)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("after %d events: %v", len(out), err)
		}
		out = append(out, ev)
	}
}

func decode[T any](t *testing.T, data string) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(strings.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("event data %q: %v", data, err)
	}
	return v
}

// accessLine is the access log line of the only request logged.
func accessLine(t *testing.T, logs string) map[string]any {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		if rec["msg"] == m.LogMessageRequest {
			return rec
		}
	}
	t.Fatalf("no access log line in\n%s", logs)
	return nil
}

func TestChatStreamEvents(t *testing.T) {
	api := newTestAPI(t, &fakeModel{})
	w, _ := api.do(t, chatCall(streamBody))
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != StreamContentType || w.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("status %d, header %v", w.Code, w.Header())
	}
	if !w.Flushed {
		t.Error("the events were not flushed")
	}
	events := readEvents(t, w.Body)
	if len(events) != len(fakeDeltas)+1 {
		t.Fatalf("events %+v, want %d deltas and done", events, len(fakeDeltas))
	}
	for i, text := range fakeDeltas {
		if events[i].name != StreamEventDelta || decode[StreamDelta](t, events[i].data).Text != text {
			t.Errorf("event %d = %+v, want delta %q", i, events[i], text)
		}
	}
	last := events[len(events)-1]
	want := StreamDone{Model: "gpt-4o-mini-2024-07-18", Usage: ChatUsage{InputTokens: 42, OutputTokens: 7, TotalTokens: 49}}
	if last.name != StreamEventDone || decode[StreamDone](t, last.data) != want {
		t.Errorf("last event %+v, want done with %+v", last, want)
	}
	line := accessLine(t, api.logs.String())
	if line[m.LogFieldStatus] != float64(200) || line[m.LogFieldStream] != m.StreamOutcomeDone ||
		line[m.LogFieldOpenAIRequestID] != "req_abc123" || line[m.LogFieldErrorCode] != nil {
		t.Errorf("access log line %v", line)
	}
}

// TestChatWithoutStreamIsUnchanged: "stream": false and no stream field
// answer the same JSON, and the access log has no stream field.
func TestChatWithoutStreamIsUnchanged(t *testing.T) {
	var bodies []string
	for _, body := range []string{validBody, strings.Replace(streamBody, `"stream": true`, `"stream": false`, 1)} {
		api := newTestAPI(t, &fakeModel{})
		w, _ := api.do(t, chatCall(body))
		if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("%s: status %d content type %q", body, w.Code, w.Header().Get("Content-Type"))
		}
		var got chatResponse
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || got.Reply != "Vintage Brass Desk Lamp" {
			t.Fatalf("%s: answer %q (%v)", body, w.Body, err)
		}
		if _, ok := accessLine(t, api.logs.String())[m.LogFieldStream]; ok {
			t.Errorf("%s: the access log line of an answer not streamed has %s", body, m.LogFieldStream)
		}
		bodies = append(bodies, w.Body.String())
	}
	if bodies[0] != bodies[1] {
		t.Errorf("answers differ:\n%s\n%s", bodies[0], bodies[1])
	}
}

// TestChatStreamRefusalsComeBeforeTheStream: bad input, authentication and
// OpenAI failures before the first chunk keep their statuses and JSON
// bodies; none of the bad requests reaches the model.
func TestChatStreamRefusalsComeBeforeTheStream(t *testing.T) {
	withAuth := func(auth string) call { c := chatCall(streamBody); c.auth = auth; return c }
	for _, tc := range []struct {
		name   string
		model  *fakeModel
		c      call
		status int
		code   string
		calls  int64
	}{
		{"missing key", &fakeModel{}, withAuth(""), 401, CodeMissingAPIKey, 0},
		{"invalid key", &fakeModel{}, withAuth("Bearer nope"), 401, CodeInvalidAPIKey, 0},
		{"stream not a bool", &fakeModel{}, chatCall(`{"message": "hi", "stream": "yes"}`), 400, CodeInvalidJSON, 0},
		{"empty message", &fakeModel{}, chatCall(`{"message": " ", "stream": true}`), 400, CodeMessageRequired, 0},
		{"unknown field", &fakeModel{}, chatCall(`{"message": "hi", "stream": true, "n": 2}`), 400, CodeUnknownField, 0},
		{"rate limited before the first chunk",
			&fakeModel{err: &openaiprovider.Error{Kind: openaiprovider.KindRateLimited, StatusCode: 429, RetryAfter: 2 * time.Second, Attempts: 3}},
			chatCall(streamBody), 429, m.ErrorRateLimited, 1},
		{"unavailable before the first chunk",
			&fakeModel{err: &openaiprovider.Error{Kind: openaiprovider.KindProviderUnavailable, StatusCode: 503, Attempts: 3}},
			chatCall(streamBody), 503, m.ErrorProviderUnavailable, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newTestAPI(t, tc.model)
			w, e := api.do(t, tc.c)
			if w.Code != tc.status || e.Error.Code != tc.code || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
				t.Errorf("got %d %s (%s), want %d %s as JSON", w.Code, e.Error.Code, w.Header().Get("Content-Type"), tc.status, tc.code)
			}
			if n := tc.model.calls.Load(); n != tc.calls {
				t.Errorf("%d calls reached the model, want %d", n, tc.calls)
			}
			if tc.code == m.ErrorRateLimited && w.Header().Get("Retry-After") != "2" {
				t.Errorf("Retry-After %q, want 2", w.Header().Get("Retry-After"))
			}
		})
	}
}

func (b *blockingModel) ChatStream(ctx context.Context, req openaiprovider.Request, onDelta func(string) error) (openaiprovider.Response, error) {
	b.entered <- struct{}{}
	<-b.release
	return b.fakeModel.ChatStream(ctx, req, onDelta)
}

// TestChatStreamBeyondTheInFlightLimitIsRefused: a stream holds its slot;
// another streamed request is refused as any other.
func TestChatStreamBeyondTheInFlightLimitIsRefused(t *testing.T) {
	model := newBlockingModel()
	h := New(Deps{
		Logger: slog.New(slog.DiscardHandler), Assistant: assistant.New(model), APIKeys: []config.Secret{clientKey},
		Limits: config.Limits{MaxBodyBytes: 2048, MaxMessageChars: 100, MaxItems: 3, MaxItemFieldLen: 20}, MaxInFlight: 1,
	})
	api := &testAPI{handler: h}
	done := make(chan int, 1)
	go func() {
		r := httptest.NewRequest(http.MethodPost, ChatPath, strings.NewReader(streamBody))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+clientKey)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		done <- w.Code
	}()
	<-model.entered
	w, e := api.do(t, chatCall(streamBody))
	if w.Code != http.StatusServiceUnavailable || e.Error.Code != CodeOverloaded || w.Header().Get("Retry-After") != "1" {
		t.Errorf("got %d %s, want 503 %s with Retry-After", w.Code, e.Error.Code, CodeOverloaded)
	}
	close(model.release)
	if code := <-done; code != http.StatusOK {
		t.Errorf("the held stream ended %d", code)
	}
}

// TestChatStreamErrorEventAfterTheStreamBegan: a failure after chunks were
// sent ends the stream with an error event holding the usual error body;
// the status stays 200, the access log has the code and the outcome.
func TestChatStreamErrorEventAfterTheStreamBegan(t *testing.T) {
	api := newTestAPI(t, &fakeModel{streamErr: &openaiprovider.Error{Kind: openaiprovider.KindProviderError, StatusCode: 200, Attempts: 1}})
	w, _ := api.do(t, chatCall(streamBody))
	events := readEvents(t, w.Body)
	if w.Code != 200 || len(events) != len(fakeDeltas)+1 {
		t.Fatalf("status %d events %+v", w.Code, events)
	}
	last := events[len(events)-1]
	e := decode[apiError](t, last.data)
	if last.name != StreamEventError || e.Error.Code != m.ErrorProviderError || e.Error.Message != "OpenAI could not answer this request" {
		t.Errorf("last event %+v", last)
	}
	line := accessLine(t, api.logs.String())
	if line[m.LogFieldStatus] != float64(200) || line[m.LogFieldStream] != m.StreamOutcomeError || line[m.LogFieldErrorCode] != m.ErrorProviderError {
		t.Errorf("access log line %v", line)
	}
	if !strings.Contains(api.logs.String(), m.LogMessageOpenAIFailed) {
		t.Errorf("no %q line:\n%s", m.LogMessageOpenAIFailed, api.logs)
	}
}

// The streamed chunks of an OpenAI-compatible upstream.
func upstreamChunk(text string) string {
	return fmt.Sprintf(`{"id":"chatcmpl-h1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini",`+
		`"choices":[{"index":0,"delta":{"content":%q},"finish_reason":null}]}`, text)
}

const (
	upstreamFinish = `{"id":"chatcmpl-h1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`
	upstreamUsage  = `{"id":"chatcmpl-h1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[],` +
		`"usage":{"prompt_tokens":31,"completion_tokens":4,"total_tokens":35}}`
)

func upstreamData(w http.ResponseWriter, payload string) {
	_, _ = fmt.Fprintf(w, "data: %s\n\n", payload)
	w.(http.Flusher).Flush()
}

// streamingAPI is the API over a real provider and a real HTTP server, the
// provider streaming from upstream; its metrics go to a ManualReader and
// its spans to an in-memory exporter.
type streamingAPI struct {
	url     string
	metrics *sdkmetric.ManualReader
	spans   *tracetest.InMemoryExporter
}

func newStreamingAPI(t *testing.T, upstream http.HandlerFunc) *streamingAPI {
	t.Helper()
	return newStreamingAPIWith(t, nil, upstream)
}

// newStreamingAPIWith is newStreamingAPI whose server configure sets up.
func newStreamingAPIWith(t *testing.T, configure func(*http.Server), upstream http.HandlerFunc) *streamingAPI {
	t.Helper()
	up := httptest.NewServer(upstream)
	t.Cleanup(up.Close)
	s := &streamingAPI{metrics: sdkmetric.NewManualReader(), spans: tracetest.NewInMemoryExporter()}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(s.metrics))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(s.spans))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()); _ = tp.Shutdown(context.Background()) })
	rec, err := openaiprovider.NewRecorder(mp, "gpt-4o-mini")
	if err != nil {
		t.Fatal(err)
	}
	provider := openaiprovider.New(openaiprovider.Config{
		APIKey: "sk-upstream", BaseURL: up.URL + "/v1", Model: "gpt-4o-mini", Timeout: 10 * time.Second, TracerProvider: tp,
	}, rec)
	api := httptest.NewUnstartedServer(New(Deps{
		Logger: slog.New(slog.DiscardHandler), Assistant: assistant.New(provider), APIKeys: []config.Secret{clientKey},
		Limits:         config.Limits{MaxBodyBytes: 2048, MaxMessageChars: 100, MaxItems: 3, MaxItemFieldLen: 20},
		TracerProvider: tp,
	}))
	if configure != nil {
		configure(api.Config)
	}
	api.Start()
	t.Cleanup(api.Close)
	s.url = api.URL
	return s
}

func (s *streamingAPI) post(t *testing.T, ctx context.Context) *http.Response {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.url+ChatPath, strings.NewReader(streamBody))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+clientKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// requests is the requests counter's streamed series by status.
func (s *streamingAPI) requests(t *testing.T) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := s.metrics.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, metric := range sm.Metrics {
			if metric.Name != m.RequestsTotal {
				continue
			}
			for _, dp := range metric.Data.(metricdata.Sum[int64]).DataPoints {
				if v, _ := dp.Attributes.Value(m.LabelStream); v.AsString() == m.StreamTrue {
					status, _ := dp.Attributes.Value(m.LabelStatus)
					out[status.AsString()] += dp.Value
				}
			}
		}
	}
	return out
}

// TestChatStreamFlushesEachChunk: the client reads the first delta while
// OpenAI still holds the rest, which it sends only then.
func TestChatStreamFlushesEachChunk(t *testing.T) {
	firstRead := make(chan struct{})
	s := newStreamingAPI(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		upstreamData(w, upstreamChunk("Brass"))
		select {
		case <-firstRead:
		case <-r.Context().Done():
			return
		}
		upstreamData(w, upstreamChunk(" lamp"))
		upstreamData(w, upstreamFinish)
		upstreamData(w, upstreamUsage)
		upstreamData(w, "[DONE]")
	})
	resp := s.post(t, context.Background())
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	first, err := readEvent(r)
	if err != nil || first.name != StreamEventDelta || decode[StreamDelta](t, first.data).Text != "Brass" {
		t.Fatalf("first event %+v (%v)", first, err)
	}
	close(firstRead)
	rest := readEvents(t, r)
	if len(rest) != 2 || rest[0].name != StreamEventDelta || rest[1].name != StreamEventDone {
		t.Fatalf("then %+v, want a delta and done", rest)
	}
	if got := decode[StreamDone](t, rest[1].data).Usage; got != (ChatUsage{InputTokens: 31, OutputTokens: 4, TotalTokens: 35}) {
		t.Errorf("usage %+v, want the usage chunk's", got)
	}
	if got := s.requests(t); got[m.StatusSuccess] != 1 {
		t.Errorf("streamed requests %v, want one success", got)
	}
	var server *tracetest.SpanStub
	for _, span := range s.spans.GetSpans() {
		if span.Name == m.SpanChatRequest {
			server = &span
		}
	}
	if server == nil {
		t.Fatal("no server span")
	}
	attrs := map[string]string{}
	for _, kv := range server.Attributes {
		attrs[string(kv.Key)] = kv.Value.Emit()
	}
	if attrs[m.AttrOpenAIStreamOutcome] != m.StreamOutcomeDone || attrs[m.AttrHTTPResponseStatusCode] != "200" {
		t.Errorf("server span attributes %v", attrs)
	}
}

// TestClientHangingUpCancelsTheStream: a client that goes away mid-stream
// cancels OpenAI's request; the attempt is cancelled, no error.
func TestClientHangingUpCancelsTheStream(t *testing.T) {
	upstreamCancelled := make(chan struct{})
	s := newStreamingAPI(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		upstreamData(w, upstreamChunk("Brass"))
		<-r.Context().Done()
		close(upstreamCancelled)
	})
	ctx, cancel := context.WithCancel(context.Background())
	resp := s.post(t, ctx)
	first, err := readEvent(bufio.NewReader(resp.Body))
	if err != nil || first.name != StreamEventDelta {
		t.Fatalf("first event %+v (%v)", first, err)
	}
	cancel()
	resp.Body.Close()
	select {
	case <-upstreamCancelled:
	case <-time.After(10 * time.Second):
		t.Fatal("OpenAI's request was not cancelled")
	}
	// The attempt is recorded once the provider has seen its end.
	deadline := time.Now().Add(10 * time.Second)
	for s.requests(t)[m.StatusCancelled] == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := s.requests(t); got[m.StatusCancelled] != 1 || got[m.StatusError] != 0 || got[m.StatusSuccess] != 0 {
		t.Errorf("streamed requests %v, want one cancelled and no error", got)
	}
}

// TestChatStreamOutlivesTheServersTimeouts: a stream that lasts longer than
// the server's ReadTimeout and WriteTimeout, which bound answers that are
// not streamed, is cut by neither.
func TestChatStreamOutlivesTheServersTimeouts(t *testing.T) {
	const timeout = 100 * time.Millisecond
	s := newStreamingAPIWith(t, func(srv *http.Server) { srv.ReadTimeout, srv.WriteTimeout = timeout, timeout },
		func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			upstreamData(w, upstreamChunk("Brass"))
			select {
			case <-time.After(3 * timeout):
			case <-r.Context().Done():
				return
			}
			upstreamData(w, upstreamChunk(" lamp"))
			upstreamData(w, upstreamFinish)
			upstreamData(w, upstreamUsage)
			upstreamData(w, "[DONE]")
		})
	resp := s.post(t, context.Background())
	defer resp.Body.Close()
	events := readEvents(t, resp.Body)
	if len(events) != 3 || events[2].name != StreamEventDone {
		t.Fatalf("events %+v, want two deltas and done", events)
	}
	if got := s.requests(t); got[m.StatusSuccess] != 1 || got[m.StatusCancelled] != 0 {
		t.Errorf("streamed requests %v, want one success", got)
	}
}

// goneWriter is a client that goes away after its first write.
type goneWriter struct {
	header http.Header
	writes int
}

func (g *goneWriter) Header() http.Header { return g.header }
func (g *goneWriter) WriteHeader(int)     {}
func (g *goneWriter) Flush()              {}
func (g *goneWriter) Write(b []byte) (int, error) {
	g.writes++
	if g.writes > 1 {
		return 0, errors.New("write: broken pipe")
	}
	return len(b), nil
}

// TestChatStreamClientGoneIsLoggedCancelled: the access log line of a
// stream whose client went away says so, with status 200, OpenAI's request
// id and no error; no OpenAI failure is logged.
func TestChatStreamClientGoneIsLoggedCancelled(t *testing.T) {
	api := newTestAPI(t, &fakeModel{})
	r := httptest.NewRequest(http.MethodPost, ChatPath, strings.NewReader(streamBody))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+clientKey)
	w := &goneWriter{header: http.Header{}}
	api.handler.ServeHTTP(w, r)
	if w.writes != 2 {
		t.Errorf("%d writes, want the first delta and the one that failed", w.writes)
	}
	line := accessLine(t, api.logs.String())
	if line[m.LogFieldStatus] != float64(200) || line[m.LogFieldStream] != m.StreamOutcomeCancelled ||
		line[m.LogFieldOpenAIRequestID] != "req_abc123" || line[m.LogFieldErrorCode] != nil {
		t.Errorf("access log line %v", line)
	}
	if strings.Contains(api.logs.String(), m.LogMessageOpenAIFailed) {
		t.Errorf("a client gone is logged as an OpenAI failure:\n%s", api.logs)
	}
}
