package app

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/scanium/openai-monitoring/backend/internal/otlptest"
	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/backend/openaisim"
	"github.com/scanium/openai-monitoring/backend/openaisim/simtest"
)

// streamedReply is what the streaming upstream answers, in pieces.
var streamedReply = []string{"Vintage", " brass", " desk", " lamp"}

const streamedChatBody = `{"message": "` + tracedMessage + `", "items": [{"itemId": "lamp-1", "currentTitle": "` + tracedTitle + `"}], "stream": true}`

// sseUpstream is an OpenAI-compatible server that streams every completion
// with no latency: a role chunk, a chunk per piece of streamedReply, the
// finish, the usage and [DONE]. The first rateLimited requests get a 429
// with retry-after-ms instead.
type sseUpstream struct {
	*httptest.Server
	rateLimited atomic.Int64
	requests    atomic.Int64
}

func newSSEUpstream(tb testing.TB) *sseUpstream {
	tb.Helper()
	u := &sseUpstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(u.serve))
	tb.Cleanup(u.Close)
	return u
}

func (u *sseUpstream) serve(w http.ResponseWriter, r *http.Request) {
	n := u.requests.Add(1)
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header().Set("X-Request-Id", fmt.Sprintf("req_sse%d", n))
	if u.rateLimited.Add(-1) >= 0 {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After-Ms", "10")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	flusher := w.(http.Flusher)
	send := func(payload string) {
		_, _ = fmt.Fprintf(w, "data: %s\n\n", payload)
		flusher.Flush()
	}
	const head = `{"id":"chatcmpl-sse","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini",`
	send(head + `"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`)
	for _, piece := range streamedReply {
		send(fmt.Sprintf(head+`"choices":[{"index":0,"delta":{"content":%q},"finish_reason":null}]}`, piece))
	}
	send(head + `"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`)
	send(head + `"choices":[],"usage":{"prompt_tokens":52,"completion_tokens":4,"total_tokens":56,` +
		`"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`)
	send("[DONE]")
}

// postStream sends one streamed chat request with this request id and
// returns the status and the events' names and data.
func postStream(t *testing.T, baseURL, requestID string) (int, []string, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, baseURL+"/api/assistant/chat", strings.NewReader(streamedChatBody))
	req.Header.Set("Authorization", "Bearer "+clientKey)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", requestID)
	resp, err := quickClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var names []string
	var data strings.Builder
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			names = append(names, strings.TrimPrefix(line, "event: "))
		case strings.HasPrefix(line, "data: "):
			data.WriteString(strings.TrimPrefix(line, "data: ") + "\n")
		}
	}
	return resp.StatusCode, names, data.String()
}

// TestStreamedChatThroughTheBackend runs the backend against a streaming
// upstream that rate-limits the first attempt and an OTLP/HTTP receiver: the
// client gets every piece and then done; the SERVER span is 200 with the
// stream's outcome, its two CLIENT spans the 429 and the streamed attempt
// with its time to first chunk; the access log record tells the stream's
// outcome; no key and no text is exported.
func TestStreamedChatThroughTheBackend(t *testing.T) {
	up := newSSEUpstream(t)
	up.rateLimited.Store(1)
	recv := otlptest.New(t)
	b := startBackend(t, map[string]string{
		"SCANIUM_API_KEYS": clientKey, "OPENAI_API_KEY": tracedOpenAIKey, "OPENAI_BASE_URL": up.URL + "/v1",
		"OPENAI_MAX_RETRIES": "2", "OTEL_EXPORTER_OTLP_ENDPOINT": recv.URL, "OTEL_METRIC_EXPORT_INTERVAL": "3600000",
	})
	status, names, data := postStream(t, b.url, "req-stream")
	want := []string{"delta", "delta", "delta", "delta", "done"}
	if status != http.StatusOK || strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("status %d events %v, want 200 and %v", status, names, want)
	}
	if !strings.Contains(data, `"usage":{"inputTokens":52,"outputTokens":4,"totalTokens":56}`) {
		t.Errorf("events' data:\n%s", data)
	}
	if code := b.stop(t); code != 0 {
		t.Fatalf("exit %d:\n%s", code, b.stdout)
	}
	if errs := recv.Errors(); len(errs) > 0 {
		t.Fatal(errs)
	}
	rec := accessRecord(t, recv.Logs(), "req-stream")
	a := rec.GetAttributes()
	if otlptest.Int(a, m.LogFieldStatus) != 200 || otlptest.Str(a, m.LogFieldStream) != m.StreamOutcomeDone ||
		otlptest.Int(a, m.LogFieldOpenAIAttempts) != 2 || otlptest.Str(a, m.LogFieldOpenAIRequestID) != "req_sse2" {
		t.Errorf("access log record attributes %v", a)
	}
	server := spanByID(otlptest.SpanNamed(recv.Spans(), m.SpanChatRequest), rec.GetSpanId())
	if server == nil {
		t.Fatal("the access log record's span is no server span")
	}
	if otlptest.Int(server.GetAttributes(), m.AttrHTTPResponseStatusCode) != 200 ||
		otlptest.Str(server.GetAttributes(), m.AttrOpenAIStreamOutcome) != m.StreamOutcomeDone ||
		server.GetStatus().GetCode() == tracepb.Status_STATUS_CODE_ERROR {
		t.Errorf("server span attributes %v status %v", server.GetAttributes(), server.GetStatus())
	}
	attempts := childrenOf(otlptest.SpanNamed(recv.Spans(), m.ChatSpanName("gpt-4o-mini")), server)
	if len(attempts) != 2 {
		t.Fatalf("%d client spans, want 2", len(attempts))
	}
	first, second := attempts[0].GetAttributes(), attempts[1].GetAttributes()
	if otlptest.Str(first, m.AttrErrorType) != m.ErrorRateLimited || otlptest.Str(first, m.AttrOpenAIStreamOutcome) != m.StreamOutcomeError {
		t.Errorf("first attempt %v", first)
	}
	if _, ok := otlptest.Attr(first, m.AttrGenAIResponseTimeToFirstChunk); ok {
		t.Error("the 429 has a time to first chunk")
	}
	stream, _ := otlptest.Attr(second, m.AttrGenAIRequestStream)
	ttft, ok := otlptest.Attr(second, m.AttrGenAIResponseTimeToFirstChunk)
	backoff, _ := otlptest.Attr(second, m.AttrOpenAIAttemptBackoffSeconds)
	if !stream.GetBoolValue() || !ok || ttft.GetDoubleValue() <= 0 || otlptest.Int(second, m.AttrGenAIUsageInputTokens) != 52 ||
		otlptest.Str(second, m.AttrOpenAIStreamOutcome) != m.StreamOutcomeDone || backoff.GetDoubleValue() != 0.01 {
		t.Errorf("second attempt %v", second)
	}
	for _, s := range []string{tracedOpenAIKey, clientKey, tracedMessage, tracedTitle, "Bearer", strings.Join(streamedReply, ""), streamedReply[0]} {
		if recv.RawContains(s) {
			t.Errorf("an exported span or log record holds %q", s)
		}
	}
}

// TestStreamedChatCutByTheSimulator: the simulator cuts a stream after its
// first pieces; the client gets them, then an error event with the usual
// error body, status 200; the access log record has the error code and the
// outcome.
func TestStreamedChatCutByTheSimulator(t *testing.T) {
	sim, simURL := simtest.Start(t, openaisim.Config{APIKeys: []string{tracedOpenAIKey}})
	if err := sim.Script(openaisim.FaultCut); err != nil {
		t.Fatal(err)
	}
	recv := otlptest.New(t)
	b := startBackend(t, map[string]string{
		"SCANIUM_API_KEYS": clientKey, "OPENAI_API_KEY": tracedOpenAIKey, "OPENAI_BASE_URL": simURL,
		"OPENAI_MAX_RETRIES": "2", "OTEL_EXPORTER_OTLP_ENDPOINT": recv.URL, "OTEL_METRIC_EXPORT_INTERVAL": "3600000",
	})
	status, names, data := postStream(t, b.url, "req-cut")
	if status != http.StatusOK || len(names) < 2 || names[0] != "delta" || names[len(names)-1] != "error" {
		t.Fatalf("status %d events %v, want 200, deltas, then error", status, names)
	}
	if !strings.Contains(data, `{"error":{"code":"`+m.ErrorProviderError+`","message":"OpenAI could not answer this request"}}`) {
		t.Errorf("events' data:\n%s", data)
	}
	if code := b.stop(t); code != 0 {
		t.Fatalf("exit %d:\n%s", code, b.stdout)
	}
	if s := sim.Stats(); s.Received != 1 || s.StreamCut != 1 {
		t.Errorf("simulator stats %+v, want one cut stream and no retry", s)
	}
	a := accessRecord(t, recv.Logs(), "req-cut").GetAttributes()
	if otlptest.Int(a, m.LogFieldStatus) != 200 || otlptest.Str(a, m.LogFieldStream) != m.StreamOutcomeError ||
		otlptest.Str(a, m.LogFieldErrorCode) != m.ErrorProviderError || otlptest.Int(a, m.LogFieldOpenAIAttempts) != 1 {
		t.Errorf("access log record attributes %v", a)
	}
}
