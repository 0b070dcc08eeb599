package app

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/scanium/openai-monitoring/backend/openaisim"
	"github.com/scanium/openai-monitoring/backend/openaisim/simtest"
)

// chatVariants are the backends compared: telemetry off (the baseline), on
// with a live OTLP endpoint, on with the endpoint down, on with an endpoint
// that never answers (all three signals), then, with the live endpoint,
// metrics alone, metrics and traces, metrics and logs: the cost of each
// signal. Exports are due every second so they happen within a benchmark
// run.
func chatVariants(b *testing.B) []struct {
	name    string
	backend *backend
} {
	b.Helper()
	// Limits no benchmark run reaches: every answer is a success.
	_, simURL := simtest.Start(b, openaisim.Config{RateLimits: openaisim.RateLimits{Requests: 1 << 40, Tokens: 1 << 50}})
	// A live OTLP endpoint that keeps nothing: the benchmark's heap stays
	// the backend's own.
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	b.Cleanup(sink.Close)
	return []struct {
		name    string
		backend *backend
	}{
		{"telemetry-off", assembleFor(b, simURL, "", "1000")},
		{"telemetry-on", assembleFor(b, simURL, sink.URL, "1000")},
		{"telemetry-on-endpoint-down", assembleFor(b, simURL, closedPort(b), "1000")},
		{"telemetry-on-endpoint-hangs", assembleFor(b, simURL, newBlackHole(b).url(), "1000")},
		{"metrics-only", assembleWith(b, simURL, sink.URL, "1000", map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_LOGS_EXPORTER": "none"})},
		{"metrics-and-traces", assembleWith(b, simURL, sink.URL, "1000", map[string]string{"OTEL_LOGS_EXPORTER": "none"})},
		{"metrics-and-logs", assembleWith(b, simURL, sink.URL, "1000", map[string]string{"OTEL_TRACES_EXPORTER": "none"})},
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

// BenchmarkChatTelemetryRatio compares each telemetry variant with
// telemetry-off in the same run, in rounds of a few requests ordered
// off, variant, variant, off (an ABBA design: a drift of the machine's speed
// during the round weighs on both alike). It reports each variant's
// throughput as a percentage of telemetry-off's (metrics alone: at least 97;
// traces and logs cost what the SDK's span and log pipelines cost).
func BenchmarkChatTelemetryRatio(b *testing.B) {
	variants := chatVariants(b)
	const round = 10
	timeRound := func(v *backend) time.Duration {
		start := time.Now()
		for range round {
			if code := serveChat(v); code != http.StatusOK {
				b.Fatalf("status %d", code)
			}
		}
		return time.Since(start)
	}
	for _, v := range variants { // warm connections and series
		timeRound(v.backend)
	}
	off, on := make([]time.Duration, len(variants)), make([]time.Duration, len(variants))
	b.ResetTimer()
	for b.Loop() {
		for k := 1; k < len(variants); k++ {
			off[k] += timeRound(variants[0].backend)
			on[k] += timeRound(variants[k].backend)
			on[k] += timeRound(variants[k].backend)
			off[k] += timeRound(variants[0].backend)
		}
	}
	for k := 1; k < len(variants); k++ {
		b.ReportMetric(100*off[k].Seconds()/on[k].Seconds(), variants[k].name+"-throughput-%-of-off")
	}
	b.ReportMetric(float64(off[1].Nanoseconds())/float64(2*b.N*round), "off-ns/req")
}
