package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scanium/openai-monitoring/backend/internal/livetest"
	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/backend/openaisim"
	"github.com/scanium/openai-monitoring/backend/openaisim/simtest"
)

const (
	clientKey = "e2e-client-key-5f3a9c"
	openAIKey = "sk-e2e-openai-key-77d1"
	model     = "gpt-4o-mini"
	hostName  = "e2e-instance-1"
)

// stack is the live pipeline: simulator → backend binary → Prometheus 3.
type stack struct {
	prom    *livetest.Prometheus
	sim     *openaisim.Server
	backend *livetest.Process
	url     string
}

// stackOption changes the backend's environment of startStack.
type stackOption func(env map[string]string)

// withBackendDefault leaves the backend's variable name unset, so that the
// backend takes its default.
func withBackendDefault(name string) stackOption {
	return func(env map[string]string) { delete(env, name) }
}

// withBackendEnv sets the backend's variable name to value.
func withBackendEnv(name, value string) stackOption {
	return func(env map[string]string) { env[name] = value }
}

// startStack starts Prometheus, a simulator without latency and the
// backend binary between them, exporting every 500ms unless opts say
// otherwise, and waits until the backend is ready.
func startStack(t *testing.T, opts ...stackOption) *stack {
	t.Helper()
	prom := livetest.StartPrometheus(t)
	sim, simURL := simtest.Start(t, openaisim.Config{})

	bin := livetest.BuildBinary(t, "./backend/cmd/scanium-backend")
	port := livetest.FreePort(t)
	vars := map[string]string{
		"PATH":                        os.Getenv("PATH"),
		"PORT":                        strconv.Itoa(port),
		"SCANIUM_API_KEYS":            clientKey,
		"APP_ENV":                     "e2e",
		"OPENAI_API_KEY":              openAIKey,
		"OPENAI_BASE_URL":             simURL,
		"OPENAI_MODEL":                model,
		"OPENAI_TIMEOUT":              "2s",
		"OPENAI_MAX_RETRIES":          "1",
		"OTEL_EXPORTER_OTLP_ENDPOINT": prom.OTLPEndpoint(),
		"OTEL_METRIC_EXPORT_INTERVAL": "500",
		"OTEL_RESOURCE_ATTRIBUTES":    "service.instance.id=" + hostName,
		// Prometheus, standing in for Mimir, takes metrics only.
		"OTEL_TRACES_EXPORTER": "none",
		"OTEL_LOGS_EXPORTER":   "none",
	}
	for _, opt := range opts {
		opt(vars)
	}
	env := make([]string, 0, len(vars))
	for _, name := range slices.Sorted(maps.Keys(vars)) {
		env = append(env, name+"="+vars[name])
	}
	backend := livetest.Start(t, env, bin)
	s := &stack{prom: prom, sim: sim, backend: backend, url: fmt.Sprintf("http://127.0.0.1:%d", port)}
	livetest.WaitHTTP(t, backend, s.url+"/readyz", 30*time.Second)
	return s
}

type chatResult struct {
	status     int
	retryAfter string
	code       string
	usage      struct{ InputTokens, OutputTokens, TotalTokens int64 }
}

func (s *stack) chat(t *testing.T, body string, faults ...openaisim.Fault) chatResult {
	t.Helper()
	if len(faults) > 0 {
		if err := s.sim.Script(faults...); err != nil {
			t.Fatal(err)
		}
	}
	resp := s.post(t, body)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	res := chatResult{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
	var parsed struct {
		Usage struct{ InputTokens, OutputTokens, TotalTokens int64 } `json:"usage"`
		Error struct{ Code string }                                  `json:"error"`
	}
	if err := json.Unmarshal(raw, &parsed); err != nil {
		t.Fatalf("answer is not JSON: %q", raw)
	}
	res.usage, res.code = parsed.Usage, parsed.Error.Code
	if s.sim.PendingFaults() != 0 {
		t.Fatalf("%d scripted faults left unused", s.sim.PendingFaults())
	}
	return res
}

// post sends body to the chat endpoint with the client key.
func (s *stack) post(t *testing.T, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.url+"/api/assistant/chat", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+clientKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

const question = `{"message": "Generate a listing title for this item", "items": [{"itemId": "test-123", "currentTitle": "Test Item"}]}`

// traffic sends successes, every error type (with retries), and bad input,
// and returns what the metrics must show.
type expected struct {
	requests map[string]float64 // by error type, "" = success
	tokens   map[string]float64 // by token type
}

func sendTraffic(t *testing.T, s *stack) expected {
	t.Helper()
	want := expected{requests: map[string]float64{}, tokens: map[string]float64{}}
	success := func(r chatResult) {
		if r.status != http.StatusOK {
			t.Fatalf("status %d %s, want 200", r.status, r.code)
		}
		want.requests[""]++
		want.tokens[m.TokenInput] += float64(r.usage.InputTokens)
		want.tokens[m.TokenOutput] += float64(r.usage.OutputTokens)
		want.tokens[m.TokenTotal] += float64(r.usage.TotalTokens)
	}
	failure := func(r chatResult, status int, code string) {
		t.Helper()
		if r.status != status || r.code != code {
			t.Fatalf("got %d %s, want %d %s", r.status, r.code, status, code)
		}
	}
	for range 5 {
		success(s.chat(t, question))
	}
	// A 500 then a success on the retry: one error and one success.
	success(s.chat(t, question, openaisim.Fault500, openaisim.FaultNone))
	want.requests[m.ErrorProviderUnavailable]++

	failure(s.chat(t, question, openaisim.Fault401), http.StatusBadGateway, m.ErrorUnauthorized)
	want.requests[m.ErrorUnauthorized]++

	r := s.chat(t, question, openaisim.Fault429, openaisim.Fault429)
	failure(r, http.StatusTooManyRequests, m.ErrorRateLimited)
	if r.retryAfter == "" {
		t.Error("429 without Retry-After")
	}
	want.requests[m.ErrorRateLimited] += 2

	failure(s.chat(t, question, openaisim.Fault502, openaisim.Fault503), http.StatusServiceUnavailable, m.ErrorProviderUnavailable)
	want.requests[m.ErrorProviderUnavailable] += 2

	failure(s.chat(t, question, openaisim.FaultHang), http.StatusServiceUnavailable, m.ErrorProviderUnavailable)
	want.requests[m.ErrorProviderUnavailable]++

	// Bad input reaches neither OpenAI nor the metrics.
	received := s.sim.Stats().Received
	failure(s.chat(t, `{"message": ""}`), http.StatusBadRequest, "MESSAGE_REQUIRED")
	failure(s.chat(t, `{"message": "hi", "extra": 1}`), http.StatusBadRequest, "UNKNOWN_FIELD")
	if s.sim.Stats().Received != received {
		t.Error("bad input reached the simulator")
	}
	return want
}

// shutdown stops the backend as compose does (SIGTERM): it must exit 0 after
// its final metric export.
func (s *stack) shutdown(t *testing.T) {
	t.Helper()
	if err := s.backend.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := s.backend.Wait(30 * time.Second); err != nil {
		t.Fatalf("backend did not exit cleanly on SIGTERM: %v\n%s", err, s.backend.Output())
	}
}

func queryOne(t *testing.T, p *livetest.Prometheus, expr string) (float64, bool) {
	t.Helper()
	samples, err := p.Query(context.Background(), expr)
	if err != nil {
		t.Fatal(err)
	}
	switch len(samples) {
	case 0:
		return 0, false
	case 1:
		return samples[0].Value, true
	default:
		t.Fatalf("%s: %d series, want one: %+v", expr, len(samples), samples)
		return 0, false
	}
}

func TestBackendMetricsReachPrometheus(t *testing.T) {
	s := startStack(t)
	want := sendTraffic(t, s)
	s.shutdown(t)

	// The traffic is not streamed; the stream="true" series exist at 0.
	sel := fmt.Sprintf(`%s="%s", %s="%s", %s="%s", job="scanium-backend", instance="%s"`, m.LabelModel, model, m.LabelStream, m.StreamFalse, m.LabelStatus, "%s", hostName)
	for errorType, n := range want.requests {
		var expr string
		if errorType == "" {
			expr = fmt.Sprintf("%s{%s}", m.RequestsTotal, fmt.Sprintf(sel, m.StatusSuccess))
		} else {
			expr = fmt.Sprintf(`%s{%s, %s="%s"}`, m.RequestsTotal, fmt.Sprintf(sel, m.StatusError), m.LabelErrorType, errorType)
		}
		if got, ok := queryOne(t, s.prom, expr); !ok || got != n {
			t.Errorf("%s = %v (found %v), want %v", expr, got, ok, n)
		}
	}
	total := 0.0
	for _, n := range want.requests {
		total += n
	}
	if got, _ := queryOne(t, s.prom, fmt.Sprintf("sum(%s)", m.Count(m.RequestDurationSeconds))); got != total {
		t.Errorf("duration count = %v, want %v (one per attempt)", got, total)
	}
	if got, _ := queryOne(t, s.prom, fmt.Sprintf(`sum(%s{le="+Inf"})`, m.Bucket(m.RequestDurationSeconds))); got != total {
		t.Errorf("+Inf bucket = %v, want %v", got, total)
	}
	// The hang took the whole 2s timeout: it lands above the 1s bucket.
	if got, _ := queryOne(t, s.prom, fmt.Sprintf(`sum(%s{%s="%s", le="1"})`, m.Bucket(m.RequestDurationSeconds), m.LabelStatus, m.StatusError)); got != total-want.requests[""]-1 {
		t.Errorf("error attempts within 1s = %v, want all but the hang (%v)", got, total-want.requests[""]-1)
	}
	for tokenType, n := range want.tokens {
		expr := fmt.Sprintf(`%s{%s="%s", %s="%s"}`, m.TokensTotal, m.LabelModel, model, m.LabelTokenType, tokenType)
		if got, ok := queryOne(t, s.prom, expr); !ok || got != n || n == 0 {
			t.Errorf("%s = %v (found %v), want %v (the sum of the answers' usage)", expr, got, ok, n)
		}
	}
	reqLimit, ok := queryOne(t, s.prom, fmt.Sprintf(`%s{%s="%s"}`, m.RateLimitRequestsLimit, m.LabelLimitType, m.LimitRequests))
	if !ok || reqLimit != openaisim.DefaultRequestLimit {
		t.Errorf("request limit = %v (found %v), want the simulator's %v", reqLimit, ok, openaisim.DefaultRequestLimit)
	}
	remaining, ok := queryOne(t, s.prom, m.RateLimitRequestsRemaining)
	if !ok || remaining <= 0 || remaining >= reqLimit {
		t.Errorf("remaining requests = %v (found %v), want below the limit %v", remaining, ok, reqLimit)
	}
	for _, name := range []string{m.RateLimitTokensRemaining, m.RateLimitTokensLimit, m.RateLimitRequestsResetSeconds, m.RateLimitTokensResetSeconds} {
		if v, ok := queryOne(t, s.prom, name); !ok || math.IsNaN(v) || v < 0 {
			t.Errorf("%s = %v (found %v)", name, v, ok)
		}
	}
	// The resource: environment and version reach target_info.
	if _, ok := queryOne(t, s.prom, `target_info{job="scanium-backend", deployment_environment_name="e2e"}`); !ok {
		t.Error("target_info lacks deployment.environment.name")
	}

	out := s.backend.Output()
	for _, line := range []string{"📊 OpenTelemetry initialized: scanium-backend (e2e)", "   Exporting to: " + s.prom.OTLPEndpoint()} {
		if !strings.Contains(out, line+"\n") {
			t.Errorf("startup output lacks %q", line)
		}
	}
	for _, leak := range []string{clientKey, openAIKey, "Generate a listing title"} {
		if strings.Contains(out, leak) {
			t.Errorf("backend output leaks %q", leak)
		}
	}
	if !strings.Contains(out, `"openai_request_id":"req_`) {
		t.Error("access logs lack OpenAI's x-request-id")
	}

	t.Run("every dashboard and alert query answers", func(t *testing.T) {
		checkArtifactQueries(t, s.prom)
	})
}
