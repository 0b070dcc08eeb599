package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scanium/openai-monitoring/backend/internal/httpapi"
)

// sse writes one server-sent event as the backend does.
func sse(w http.ResponseWriter, event string, data any) {
	body, _ := json.Marshal(data)
	fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, body)
	w.(http.Flusher).Flush()
}

// streamingBackend answers streamed requests with the events end gives for
// the n-th streamed request, and others with JSON; it records whether each
// request asked for a stream.
type streamingBackend struct {
	mu       sync.Mutex
	streamed []bool
	end      func(n int, w http.ResponseWriter)
}

func (b *streamingBackend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body chatRequest
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	b.mu.Lock()
	b.streamed = append(b.streamed, body.Stream)
	n := 0
	for _, s := range b.streamed {
		if s {
			n++
		}
	}
	b.mu.Unlock()
	if !body.Stream {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"reply":"ok"}`))
		return
	}
	if got := r.Header.Get("Accept"); got != httpapi.StreamContentType {
		http.Error(w, "Accept = "+got, http.StatusNotAcceptable)
		return
	}
	w.Header().Set("Content-Type", httpapi.StreamContentType)
	sse(w, httpapi.StreamEventDelta, httpapi.StreamDelta{Text: "Vintage "})
	sse(w, httpapi.StreamEventDelta, httpapi.StreamDelta{Text: "jacket"})
	b.end(n, w)
}

func done(_ int, w http.ResponseWriter) {
	sse(w, httpapi.StreamEventDone, httpapi.StreamDone{Model: "gpt-4o-mini", Usage: httpapi.ChatUsage{InputTokens: 30, OutputTokens: 4, TotalTokens: 34}})
}

func TestGeneratorStreamsItsShareOfRequests(t *testing.T) {
	backend := &streamingBackend{end: done}
	srv := httptest.NewServer(backend)
	defer srv.Close()

	// As many workers as ticks: none is skipped.
	cfg := testConfig(srv.URL, 20)
	cfg.StreamPercent = 30
	gen := newGenerator(cfg, srv.Client(), discardLogger())
	stats := gen.Run(context.Background(), sendTicks(20))

	backend.mu.Lock()
	defer backend.mu.Unlock()
	streamed := 0
	for _, s := range backend.streamed {
		if s {
			streamed++
		}
	}
	if streamed != 6 || len(backend.streamed) != 20 {
		t.Errorf("the backend got %d streamed requests of %d, want 6 of 20 at 30%%", streamed, len(backend.streamed))
	}
	if stats.Sent != 20 || stats.OK != 20 || stats.Streamed != 6 || stats.StreamDone != 6 || stats.FirstDeltas != 6 || stats.FirstDeltaTotal <= 0 {
		t.Errorf("stats = %+v, want 20 sent and answered, 6 streamed to their done event with a first delta each", stats)
	}
}

func TestGeneratorCountsHowStreamsEnd(t *testing.T) {
	backend := &streamingBackend{end: func(n int, w http.ResponseWriter) {
		switch n {
		case 1:
			done(n, w)
		case 2:
			sse(w, httpapi.StreamEventError, map[string]any{"error": map[string]string{"code": "PROVIDER_UNAVAILABLE", "message": "OpenAI failed"}})
		default:
			// The stream ends with neither event.
		}
	}}
	srv := httptest.NewServer(backend)
	defer srv.Close()

	cfg := testConfig(srv.URL, 1)
	cfg.StreamPercent = 100
	var logs strings.Builder
	gen := newGenerator(cfg, srv.Client(), slogTo(&logs))
	for range 3 {
		gen.Run(context.Background(), sendTicks(1))
	}
	want := Stats{Sent: 3, OK: 1, Failed: 1, Streamed: 3, StreamDone: 1, StreamErrors: 1, FirstDeltas: 3}
	got := gen.Stats()
	got.FirstDeltaTotal = 0
	if got != want {
		t.Errorf("stats = %+v, want %+v", got, want)
	}
	if !strings.Contains(logs.String(), "PROVIDER_UNAVAILABLE") {
		t.Errorf("the error event's code is not logged: %s", logs.String())
	}
}

func TestReadStreamTimesTheFirstDelta(t *testing.T) {
	sent := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := []time.Time{sent.Add(250 * time.Millisecond), sent.Add(time.Second)}
	now := func() time.Time {
		t := clock[0]
		clock = clock[1:]
		return t
	}
	body := "event: delta\ndata: {\"text\":\"a\"}\n\n" +
		": a comment line\n\n" +
		"event: delta\ndata: {\"text\":\"b\"}\n\n" +
		"event: done\ndata: {\"model\":\"gpt-4o-mini\",\"usage\":{\"inputTokens\":1,\"outputTokens\":2,\"totalTokens\":3}}\n\n" +
		"event: delta\ndata: {\"text\":\"after the end\"}\n\n"
	res, err := readStream(strings.NewReader(body), sent, now)
	if err != nil {
		t.Fatalf("readStream: %v", err)
	}
	if res.end != streamDone || res.deltas != 2 || res.firstDelta != 250*time.Millisecond {
		t.Errorf("result = %+v, want done after 2 deltas, the first at 250ms", res)
	}
	if _, err := readStream(strings.NewReader("event: delta\ndata: {not json\n\n"), sent, time.Now); err == nil {
		t.Error("readStream accepted a delta that is not JSON")
	}
	if res, err := readStream(strings.NewReader("event: delta\ndata: {\"text\":\"a\"}\n\n"), sent, time.Now); err != nil || res.end != streamBroken {
		t.Errorf("a stream without its end = %+v, %v; want it broken", res, err)
	}
}

func slogTo(w *strings.Builder) *slog.Logger {
	return slog.New(slog.NewJSONHandler(&lockedWriter{w: w}, nil))
}

// lockedWriter serialises the writes of concurrent loggers.
type lockedWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
