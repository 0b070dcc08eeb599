package app

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/backend/openaisim"
	"github.com/scanium/openai-monitoring/backend/openaisim/simtest"
)

const clientKey = "app-test-client-key"

// lockedBuffer is an io.Writer the backend and the test share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// running is the backend run in-process by Run, as main runs it.
type running struct {
	url     string
	stdout  *lockedBuffer
	stderr  *lockedBuffer
	signals chan os.Signal
	exit    chan int
}

func envOf(kv map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := kv[k]; return v, ok }
}

// freePort returns a TCP port nothing listens on now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

func startBackend(t *testing.T, vars map[string]string) *running {
	t.Helper()
	port := freePort(t)
	vars["PORT"] = port
	r := &running{stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, signals: make(chan os.Signal, 1), exit: make(chan int, 1)}
	listening := make(chan string, 1)
	go func() {
		r.exit <- Run(Env{
			Args: []string{"scanium-backend"}, Lookup: envOf(vars), Stdout: r.stdout, Stderr: r.stderr,
			HostName: func() (string, error) { return "test-host", nil }, Signals: r.signals,
			Listening: func(addr string) { listening <- addr }, Version: "test",
		})
	}()
	select {
	case <-listening:
		r.url = "http://127.0.0.1:" + port
	case code := <-r.exit:
		t.Fatalf("backend exited %d at startup:\n%s%s", code, r.stdout, r.stderr)
	case <-time.After(10 * time.Second):
		t.Fatal("backend did not start")
	}
	t.Cleanup(func() {
		select {
		case r.signals <- syscall.SIGTERM:
		default:
		}
	})
	return r
}

func (r *running) stop(t *testing.T) int {
	t.Helper()
	r.signals <- syscall.SIGTERM
	select {
	case code := <-r.exit:
		return code
	case <-time.After(30 * time.Second):
		t.Fatal("backend did not stop")
		return -1
	}
}

func (r *running) chat(t *testing.T) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, r.url+"/api/assistant/chat",
		strings.NewReader(`{"message": "Generate a listing title for this item", "items": [{"itemId": "test-123", "currentTitle": "Test Item"}]}`))
	req.Header.Set("Authorization", "Bearer "+clientKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestRefusesToStartWithoutClientKeys(t *testing.T) {
	var stderr bytes.Buffer
	code := Run(Env{Args: []string{"scanium-backend"}, Lookup: envOf(map[string]string{}), Stdout: io.Discard, Stderr: &stderr,
		HostName: os.Hostname})
	if code != 1 || !strings.Contains(stderr.String(), "SCANIUM_API_KEYS: not set") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}

func TestUnknownArgument(t *testing.T) {
	var stderr bytes.Buffer
	if code := Run(Env{Args: []string{"scanium-backend", "serve"}, Lookup: envOf(nil), Stderr: &stderr}); code != 2 || !strings.Contains(stderr.String(), "healthcheck") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}

func TestTelemetryOff(t *testing.T) {
	_, url := simtest.Start(t, openaisim.Config{})
	b := startBackend(t, map[string]string{
		"SCANIUM_API_KEYS": clientKey, "OTEL_ENABLED": "false", "OPENAI_API_KEY": "sk-x", "OPENAI_BASE_URL": url,
	})
	if status, body := b.chat(t); status != 200 {
		t.Fatalf("chat with telemetry off: %d %s", status, body)
	}
	if code := b.stop(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	out := b.stdout.String()
	if strings.Count(out, "📊") != 1 || !strings.Contains(out, "📊 OpenTelemetry disabled") || strings.Contains(out, "Exporting to") {
		t.Errorf("want exactly one line saying telemetry is off:\n%s", out)
	}
}

func TestBuiltInSimulatorByDefault(t *testing.T) {
	b := startBackend(t, map[string]string{"SCANIUM_API_KEYS": clientKey, "OTEL_ENABLED": "false"})
	if !strings.Contains(b.stdout.String(), "OPENAI_API_KEY is not set: answering with the built-in OpenAI simulator") {
		t.Errorf("startup does not say the simulator answers:\n%s", b.stdout)
	}
	if status, body := b.chat(t); status != 200 || !strings.Contains(body, `"reply"`) {
		t.Fatalf("chat through the built-in simulator: %d %s", status, body)
	}
	if code := b.stop(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// otlpSink is an OTLP/HTTP receiver that keeps what it is sent.
type otlpSink struct {
	mu      sync.Mutex
	bodies  [][]byte
	headers []http.Header
	paths   []string
}

func (s *otlpSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.bodies = append(s.bodies, body)
	s.headers = append(s.headers, r.Header.Clone())
	s.paths = append(s.paths, r.URL.Path)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK)
}

// received returns the bodies posted to path, or to any path when path is
// empty.
func (s *otlpSink) received(path string) [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out [][]byte
	for i, body := range s.bodies {
		if path == "" || s.paths[i] == path {
			out = append(out, body)
		}
	}
	return out
}

func TestGracefulShutdown(t *testing.T) {
	// A slow OpenAI call is in flight when SIGTERM arrives: it finishes with
	// 200, readiness turns 503 meanwhile, the metrics are flushed (the export
	// interval is too long for any periodic export), and the exit is 0.
	sim, url := simtest.Start(t, openaisim.Config{})
	if err := sim.SetLatency(openaisim.Latency{Median: 700 * time.Millisecond, P99: 700 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	sink := &otlpSink{}
	collector := httptest.NewServer(sink)
	defer collector.Close()
	b := startBackend(t, map[string]string{
		"SCANIUM_API_KEYS": clientKey, "OPENAI_API_KEY": "sk-x", "OPENAI_BASE_URL": url,
		"OTEL_EXPORTER_OTLP_ENDPOINT": collector.URL, "OTEL_METRIC_EXPORT_INTERVAL": "3600000",
	})
	result := make(chan int, 1)
	go func() { status, _ := b.chat(t); result <- status }()
	for sim.Stats().InFlight() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	b.signals <- syscall.SIGTERM
	if status := <-result; status != 200 {
		t.Fatalf("in-flight request got %d during shutdown, want 200", status)
	}
	select {
	case code := <-b.exit:
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, b.stdout)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("backend did not stop")
	}
	bodies := sink.received("/v1/metrics")
	if len(bodies) != 1 || !bytes.Contains(bodies[0], []byte(m.RequestsTotal)) {
		t.Fatalf("want one final export holding %s, got %d exports", m.RequestsTotal, len(bodies))
	}
	if len(sink.received("/v1/traces")) == 0 || len(sink.received("/v1/logs")) == 0 {
		t.Error("the shutdown exported no spans or no log records")
	}
	if !strings.Contains(b.stdout.String(), `"msg":"stopped"`) {
		t.Errorf("no clean stop logged:\n%s", b.stdout)
	}
}

func TestStandardOTelVariables(t *testing.T) {
	// The exporter honours the specification's variables the backend does not
	// read itself: headers (e.g. a tenant for Mimir) go with every export, and
	// the metrics endpoint is used as given.
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "X-Scope-OrgID=scanium,x-extra=1")
	_, url := simtest.Start(t, openaisim.Config{})
	sink := &otlpSink{}
	collector := httptest.NewServer(sink)
	defer collector.Close()
	b := startBackend(t, map[string]string{
		"SCANIUM_API_KEYS": clientKey, "OPENAI_API_KEY": "sk-x", "OPENAI_BASE_URL": url,
		"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": collector.URL + "/custom/metrics", "OTEL_METRIC_EXPORT_INTERVAL": "3600000",
	})
	if status, body := b.chat(t); status != 200 {
		t.Fatalf("chat: %d %s", status, body)
	}
	if code := b.stop(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.headers) != 1 || sink.headers[0].Get("X-Scope-OrgID") != "scanium" || sink.headers[0].Get("X-Extra") != "1" {
		t.Fatalf("exports %d, headers %v", len(sink.headers), sink.headers)
	}
	if sink.paths[0] != "/custom/metrics" {
		t.Errorf("exported to %s, want the metrics endpoint as given", sink.paths[0])
	}
}

func TestHealthcheckCommand(t *testing.T) {
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200) }))
	defer healthy.Close()
	sick := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) }))
	defer sick.Close()
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"scanium-backend", "healthcheck", healthy.URL}, 0},
		{[]string{"scanium-backend", "healthcheck", sick.URL}, 1},
		{[]string{"scanium-backend", "healthcheck", "http://127.0.0.1:1/healthz"}, 1},
	} {
		if got := Run(Env{Args: tc.args, Lookup: envOf(nil), Stderr: io.Discard}); got != tc.want {
			t.Errorf("%v: exit %d, want %d", tc.args, got, tc.want)
		}
	}
	// Without a URL it checks 127.0.0.1:$PORT/healthz.
	port := healthy.URL[strings.LastIndex(healthy.URL, ":")+1:]
	if got := Run(Env{Args: []string{"scanium-backend", "healthcheck"}, Lookup: envOf(map[string]string{"PORT": port}), Stderr: io.Discard}); got != 0 {
		t.Errorf("healthcheck on PORT %s: exit %d", port, got)
	}
}
