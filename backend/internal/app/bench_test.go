package app

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/scanium/openai-monitoring/backend/openaisim"
)

// chatVariants are the backends compared: telemetry off (the baseline), on
// with a live OTLP endpoint, on with the endpoint down, on with an endpoint
// that never answers. Exports are due every second so they happen within a
// benchmark run.
func chatVariants(b *testing.B) []struct {
	name    string
	backend *backend
} {
	b.Helper()
	// Limits no benchmark run reaches: every answer is a success.
	_, simURL := simulatorURL(b, openaisim.Config{RateLimits: openaisim.RateLimits{Requests: 1 << 40, Tokens: 1 << 50}})
	sink := httptest.NewServer(&otlpSink{})
	b.Cleanup(sink.Close)
	return []struct {
		name    string
		backend *backend
	}{
		{"telemetry-off", assembleFor(b, simURL, "", "1000")},
		{"telemetry-on", assembleFor(b, simURL, sink.URL, "1000")},
		{"telemetry-on-endpoint-down", assembleFor(b, simURL, closedPort(b), "1000")},
		{"telemetry-on-endpoint-hangs", assembleFor(b, simURL, newBlackHole(b).url(), "1000")},
	}
}

// BenchmarkChatEndpoint is POST /api/assistant/chat through the whole
// backend (validation, provider, go-openai over loopback HTTP to the
// simulator with zero latency, metrics) for each telemetry variant.
func BenchmarkChatEndpoint(b *testing.B) {
	for _, v := range chatVariants(b) {
		b.Run(v.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if code := serveChat(v.backend); code != http.StatusOK {
					b.Fatalf("status %d", code)
				}
			}
		})
	}
}

// BenchmarkChatTelemetryRatio measures the variants interleaved, in rounds
// of a few requests each, so that the machine's drift affects them alike,
// and reports each variant's throughput as a percentage of telemetry-off's
// from the same run (target: at least 97).
func BenchmarkChatTelemetryRatio(b *testing.B) {
	variants := chatVariants(b)
	const round = 20
	elapsed := make([]time.Duration, len(variants))
	for _, v := range variants { // warm connections and series
		for range round {
			serveChat(v.backend)
		}
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		for j := range variants {
			v := variants[(i+j)%len(variants)] // rotate who goes first
			k := (i + j) % len(variants)
			start := time.Now()
			for range round {
				if code := serveChat(v.backend); code != http.StatusOK {
					b.Fatalf("%s: status %d", v.name, code)
				}
			}
			elapsed[k] += time.Since(start)
		}
	}
	base := elapsed[0].Seconds()
	for k, v := range variants[1:] {
		b.ReportMetric(100*base/elapsed[k+1].Seconds(), v.name+"-throughput-%-of-off")
	}
	b.ReportMetric(float64(elapsed[0].Nanoseconds())/float64(b.N*round), "off-ns/req")
}
