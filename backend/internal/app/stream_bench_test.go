package app

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/scanium/openai-monitoring/backend/openaisim"
	"github.com/scanium/openai-monitoring/backend/openaisim/simtest"
)

const streamBenchBody = `{"message": "Generate a listing title for this item", "items": [{"itemId": "test-123", "currentTitle": "Test Item"}], "stream": true}`

// doneEvent ends every whole streamed answer.
var doneEvent = []byte("event: done\n")

// serveStream sends one streamed chat request straight to the handler and
// tells whether it was answered whole: 200 and a done event.
func serveStream(b *backend) bool {
	r := httptest.NewRequest(http.MethodPost, "/api/assistant/chat", strings.NewReader(streamBenchBody))
	r.Header.Set("Authorization", "Bearer "+clientKey)
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	b.handler.ServeHTTP(w, r)
	return w.Code == http.StatusOK && bytes.Contains(w.Body.Bytes(), doneEvent)
}

// BenchmarkChatStreamTelemetryRatio is a streamed chat request through the
// whole backend (validation, provider, go-openai over loopback HTTP to the
// simulator streaming with zero latency, an event written and flushed per
// chunk), telemetry on (all three signals, to a live OTLP endpoint) against
// off, in ABBA rounds as BenchmarkChatTelemetryRatio does. It reports
// telemetry-on's throughput as a percentage of telemetry-off's, and off's
// time per request.
func BenchmarkChatStreamTelemetryRatio(b *testing.B) {
	// Limits no benchmark run reaches: every answer is a success.
	_, simURL := simtest.Start(b, openaisim.Config{RateLimits: openaisim.RateLimits{Requests: 1 << 40, Tokens: 1 << 50}})
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	b.Cleanup(sink.Close)
	off := assembleFor(b, simURL, "", "1000")
	on := assembleFor(b, simURL, sink.URL, "1000")
	const round = 10
	timeRound := func(v *backend) time.Duration {
		start := time.Now()
		for range round {
			if !serveStream(v) {
				b.Fatal("a streamed answer was not whole")
			}
		}
		return time.Since(start)
	}
	timeRound(off) // warm connections and series
	timeRound(on)
	var offTime, onTime time.Duration
	b.ResetTimer()
	for b.Loop() {
		offTime += timeRound(off)
		onTime += timeRound(on)
		onTime += timeRound(on)
		offTime += timeRound(off)
	}
	b.ReportMetric(100*offTime.Seconds()/onTime.Seconds(), "telemetry-on-throughput-%-of-off")
	b.ReportMetric(float64(offTime.Nanoseconds())/float64(2*b.N*round), "off-ns/req")
}
