package app

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scanium/openai-monitoring/backend/config"
	"github.com/scanium/openai-monitoring/backend/internal/telemetry"
	"github.com/scanium/openai-monitoring/backend/openaisim"
	"github.com/scanium/openai-monitoring/backend/openaisim/simtest"
)

// blackHole is an OTLP endpoint that accepts connections, reads the request
// line and never answers: an exporter talking to it waits until its own
// timeout.
type blackHole struct {
	ln       net.Listener
	accepted atomic.Int64
	mu       sync.Mutex
	conns    []net.Conn
	paths    map[string]int // of the requests begun
}

func newBlackHole(t testing.TB) *blackHole {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &blackHole{ln: ln, paths: map[string]int{}}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			h.accepted.Add(1)
			h.mu.Lock()
			h.conns = append(h.conns, c)
			h.mu.Unlock()
			go h.readRequestLine(c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, c := range h.conns {
			c.Close()
		}
	})
	return h
}

func (h *blackHole) url() string { return "http://" + h.ln.Addr().String() }

// readRequestLine notes the path of the request c begins with.
func (h *blackHole) readRequestLine(c net.Conn) {
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return
	}
	if fields := strings.Fields(line); len(fields) == 3 {
		h.mu.Lock()
		h.paths[fields[1]]++
		h.mu.Unlock()
	}
}

// begun tells how many requests to path were begun.
func (h *blackHole) begun(path string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.paths[path]
}

// closedPort is an OTLP endpoint where nothing listens: exports are refused.
func closedPort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// assembleFor builds the backend in-process against a zero-latency
// simulator, with telemetry exporting to endpoint ("" turns it off): all
// three signals, metrics every interval milliseconds.
func assembleFor(tb testing.TB, simURL, endpoint string, interval string) *backend {
	tb.Helper()
	return assembleWith(tb, simURL, endpoint, interval, nil)
}

// assembleWith is assembleFor with more variables, e.g. OTEL_TRACES_EXPORTER
// or OTEL_LOGS_EXPORTER set to none.
func assembleWith(tb testing.TB, simURL, endpoint string, interval string, more map[string]string) *backend {
	tb.Helper()
	vars := map[string]string{
		"SCANIUM_API_KEYS": clientKey, "OPENAI_API_KEY": "sk-bench", "OPENAI_BASE_URL": simURL,
		"OPENAI_MAX_RETRIES": "0", "OTEL_METRIC_EXPORT_INTERVAL": interval,
	}
	maps.Copy(vars, more)
	if endpoint == "" {
		vars["OTEL_ENABLED"] = "false"
	} else {
		vars["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint
	}
	cfg, err := config.Load(envOf(vars), "bench-host")
	if err != nil {
		tb.Fatal(err)
	}
	b, err := assemble(context.Background(), cfg, openaisim.Config{}, logOutput{stdout: slog.NewJSONHandler(io.Discard, nil)}, "test", io.Discard)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_ = b.close(ctx) // a stuck endpoint's final export is abandoned
	})
	return b
}

const chatBody = `{"message": "Generate a listing title for this item", "items": [{"itemId": "test-123", "currentTitle": "Test Item"}]}`

// serveChat sends one chat request straight to the handler and returns the
// status.
func serveChat(b *backend) int {
	r := httptest.NewRequest(http.MethodPost, "/api/assistant/chat", strings.NewReader(chatBody))
	r.Header.Set("Authorization", "Bearer "+clientKey)
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	b.handler.ServeHTTP(w, r)
	return w.Code
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// TestRecordingNeverBlocks serves requests while the OTLP endpoint is down
// or never answers, with all three signals exported and metrics due every
// 100 ms: every request succeeds, the exporters really were stuck or refused
// meanwhile, and memory stays flat over four times as many requests as the
// span and log queues hold (the metric SDK aggregates in place; spans and log
// records wait in queues of fixed bounds, which the warm-up fills, and beyond
// them are dropped).
func TestRecordingNeverBlocks(t *testing.T) {
	const warmup = max(telemetry.SpanQueueSize/2, telemetry.LogQueueSize)
	const requests = 4 * max(telemetry.SpanQueueSize, telemetry.LogQueueSize)
	// Rate limits beyond the requests of both cases.
	_, simURL := simtest.Start(t, openaisim.Config{RateLimits: openaisim.RateLimits{Requests: 1_000_000, Tokens: 1_000_000_000}})
	hole := newBlackHole(t)
	for _, tc := range []struct {
		name     string
		endpoint string
	}{{"endpoint never answers", hole.url()}, {"endpoint down", closedPort(t)}} {
		t.Run(tc.name, func(t *testing.T) {
			b := assembleFor(t, simURL, tc.endpoint, "100")
			if !b.tel.Enabled || !b.tel.Traced || !b.tel.LogsExported() {
				t.Fatalf("metrics %v, traces %v, logs %v: want all three exported", b.tel.Enabled, b.tel.Traced, b.tel.LogsExported())
			}
			// Each request queues two spans (server, client) and one log
			// record: the warm-up fills both queues.
			for range warmup {
				if code := serveChat(b); code != http.StatusOK {
					t.Fatalf("status %d", code)
				}
			}
			before := heapInUse()
			deadline := time.Now().Add(time.Minute)
			for i := range requests {
				if code := serveChat(b); code != http.StatusOK {
					t.Fatalf("request %d: status %d", i, code)
				}
				if time.Now().After(deadline) {
					t.Fatalf("only %d requests in a minute: requests are being held up", i)
				}
			}
			after := heapInUse()
			if tc.endpoint == hole.url() {
				for _, path := range []string{"/v1/metrics", "/v1/traces", "/v1/logs"} {
					if hole.begun(path) == 0 {
						t.Errorf("no export to %s was begun: the test proves nothing for that signal", path)
					}
				}
			}
			t.Logf("heap in use %d KiB before, %d KiB after %d requests", before>>10, after>>10, requests)
			const budget = 4 << 20
			if after > before+budget {
				t.Errorf("heap grew by %d KiB over %d requests with a failing exporter; budget %d KiB",
					(after-before)>>10, requests, budget>>10)
			}
		})
	}
}
