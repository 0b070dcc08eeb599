package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scanium/openai-monitoring/backend/config"
	"github.com/scanium/openai-monitoring/backend/internal/assistant"
	"github.com/scanium/openai-monitoring/backend/internal/openaiprovider"
)

const (
	clientKey  = "client-key-0123456789"
	secretText = "my secret listing about grandma's ring"
)

// fakeModel answers or fails as told and counts the calls that reached it.
// Streamed, it hands over the reply in fakeDeltas, then fails with
// streamErr if set.
type fakeModel struct {
	calls     atomic.Int64
	last      atomic.Pointer[openaiprovider.Request]
	err       error
	streamErr error
	panic     bool
}

// fakeDeltas are the pieces of fakeModel's reply.
var fakeDeltas = []string{"Vintage", " Brass", " Desk", " Lamp"}

func (f *fakeModel) ChatStream(ctx context.Context, req openaiprovider.Request, onDelta func(string) error) (openaiprovider.Response, error) {
	resp, err := f.Chat(ctx, req)
	if err != nil {
		return resp, err
	}
	for _, text := range fakeDeltas {
		if err := onDelta(text); err != nil {
			return openaiprovider.Response{RequestID: resp.RequestID, Attempts: 1}, openaiprovider.ErrCancelled
		}
	}
	if f.streamErr != nil {
		return openaiprovider.Response{}, f.streamErr
	}
	return resp, nil
}

func (f *fakeModel) Model() string { return "gpt-4o-mini" }

func (f *fakeModel) Chat(_ context.Context, req openaiprovider.Request) (openaiprovider.Response, error) {
	f.calls.Add(1)
	f.last.Store(&req)
	if f.panic {
		panic("boom")
	}
	if f.err != nil {
		return openaiprovider.Response{}, f.err
	}
	return openaiprovider.Response{
		Reply: "Vintage Brass Desk Lamp", Model: "gpt-4o-mini-2024-07-18",
		Usage:     openaiprovider.Usage{InputTokens: 42, OutputTokens: 7, TotalTokens: 49},
		RequestID: "req_abc123", Attempts: 1,
	}, nil
}

type testAPI struct {
	handler http.Handler
	model   *fakeModel
	logs    *bytes.Buffer
}

func newTestAPI(t *testing.T, model *fakeModel) *testAPI {
	t.Helper()
	logs := &bytes.Buffer{}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	h := New(Deps{
		Logger:    logger,
		Assistant: assistant.New(model),
		APIKeys:   []config.Secret{"other-key", clientKey},
		Limits:    config.Limits{MaxBodyBytes: 2048, MaxMessageChars: 100, MaxItems: 3, MaxItemFieldLen: 20},
	})
	return &testAPI{handler: h, model: model, logs: logs}
}

type call struct {
	method, path, contentType, auth string
	body                            io.Reader
	contentLength                   int64 // -1: unknown (chunked)
}

func chatCall(body string) call {
	return call{method: http.MethodPost, path: ChatPath, contentType: "application/json",
		auth: "Bearer " + clientKey, body: strings.NewReader(body), contentLength: int64(len(body))}
}

func (a *testAPI) do(t *testing.T, c call) (*httptest.ResponseRecorder, apiError) {
	t.Helper()
	r := httptest.NewRequest(c.method, c.path, c.body)
	r.ContentLength = c.contentLength
	if c.contentType != "" {
		r.Header.Set("Content-Type", c.contentType)
	}
	if c.auth != "" {
		r.Header.Set("Authorization", c.auth)
	}
	w := httptest.NewRecorder()
	a.handler.ServeHTTP(w, r)
	var e apiError
	if w.Code >= 400 {
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
			t.Fatalf("error body is not JSON: %q", w.Body.String())
		}
		if e.Error.Code == "" || e.Error.Message == "" {
			t.Fatalf("error body lacks code or message: %q", w.Body.String())
		}
	}
	return w, e
}

const validBody = `{"message": "Generate a listing title for this item", "items": [{"itemId": "test-123", "currentTitle": "Test Item"}]}`

func TestChatSuccess(t *testing.T) {
	api := newTestAPI(t, &fakeModel{})
	w, _ := api.do(t, chatCall(validBody))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var got chatResponse
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := chatResponse{Reply: "Vintage Brass Desk Lamp", Model: "gpt-4o-mini-2024-07-18", Usage: ChatUsage{42, 7, 49}}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if w.Header().Get(RequestIDHeader) == "" {
		t.Error("no request id header")
	}
}

func TestChatBadInput(t *testing.T) {
	long := strings.Repeat("é", 101)
	for _, tc := range []struct {
		name   string
		call   call
		status int
		code   string
		hint   string
	}{
		{"malformed JSON", chatCall(`{"message": "hi",`), 400, CodeInvalidJSON, "whole JSON object"},
		{"syntax error", chatCall(`{"message" "hi"}`), 400, CodeInvalidJSON, "not valid JSON"},
		{"not an object", chatCall(`["hi"]`), 400, CodeInvalidJSON, "must be a JSON object"},
		{"wrong type", chatCall(`{"message": 42}`), 400, CodeInvalidJSON, `field "message" must be a string`},
		{"empty body", chatCall(``), 400, CodeInvalidJSON, "body is empty"},
		{"trailing data", chatCall(`{"message": "hi"} {"message": "again"}`), 400, CodeInvalidJSON, "nothing after it"},
		{"unknown top-level field", chatCall(`{"message": "hi", "temperature": 2}`), 400, CodeUnknownField, `"temperature"`},
		{"unknown item field", chatCall(`{"message": "hi", "items": [{"itemId": "a", "price": 3}]}`), 400, CodeUnknownField, `"price"`},
		{"empty message", chatCall(`{"message": ""}`), 400, CodeMessageRequired, "say what you want"},
		{"blank message", chatCall(`{"message": "  \n "}`), 400, CodeMessageRequired, "empty"},
		{"missing message", chatCall(`{"items": []}`), 400, CodeMessageRequired, "empty"},
		{"over-long message", chatCall(`{"message": "` + long + `"}`), 400, CodeMessageTooLong, "101 characters: send at most 100"},
		{"too many items", chatCall(`{"message": "hi", "items": [{"itemId":"a"},{"itemId":"b"},{"itemId":"c"},{"itemId":"d"}]}`), 400, CodeTooManyItems, "at most 3"},
		{"item without id", chatCall(`{"message": "hi", "items": [{"currentTitle": "x"}]}`), 400, CodeItemIDRequired, "items[0].itemId"},
		{"oversized item id", chatCall(`{"message": "hi", "items": [{"itemId": "` + strings.Repeat("x", 21) + `"}]}`), 400, CodeItemFieldTooLong, "items[0].itemId has 21 characters"},
		{"oversized title", chatCall(`{"message": "hi", "items": [{"itemId": "a"}, {"itemId": "b", "currentTitle": "` + strings.Repeat("x", 25) + `"}]}`), 400, CodeItemFieldTooLong, "items[1].currentTitle has 25 characters"},
		{"body over limit", chatCall(`{"message": "` + strings.Repeat("x", 3000) + `"}`), 413, CodeBodyTooLarge, "larger than 2048 bytes"},
		{"body over limit, chunked", func() call {
			c := chatCall(`{"message": "` + strings.Repeat("x", 3000) + `"}`)
			c.contentLength = -1
			return c
		}(), 413, CodeBodyTooLarge, "larger than 2048 bytes"},
		{"wrong content type", func() call { c := chatCall(validBody); c.contentType = "text/plain"; return c }(), 415, CodeUnsupportedMediaType, "Content-Type: application/json"},
		{"no content type", func() call { c := chatCall(validBody); c.contentType = ""; return c }(), 415, CodeUnsupportedMediaType, "application/json"},
		{"missing key", func() call { c := chatCall(validBody); c.auth = ""; return c }(), 401, CodeMissingAPIKey, "Authorization: Bearer"},
		{"basic auth", func() call { c := chatCall(validBody); c.auth = "Basic " + clientKey; return c }(), 401, CodeMissingAPIKey, "Bearer"},
		{"wrong key", func() call { c := chatCall(validBody); c.auth = "Bearer nope"; return c }(), 401, CodeInvalidAPIKey, "SCANIUM_API_KEYS"},
		{"key prefix", func() call { c := chatCall(validBody); c.auth = "Bearer " + clientKey[:10]; return c }(), 401, CodeInvalidAPIKey, "SCANIUM_API_KEYS"},
		{"wrong method", call{method: http.MethodGet, path: ChatPath, auth: "Bearer " + clientKey}, 405, CodeMethodNotAllowed, "use POST"},
		{"unknown path", call{method: http.MethodGet, path: "/api/nope"}, 404, CodeNotFound, ChatPath},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newTestAPI(t, &fakeModel{})
			w, e := api.do(t, tc.call)
			if w.Code != tc.status || e.Error.Code != tc.code {
				t.Fatalf("got %d %s (%q), want %d %s", w.Code, e.Error.Code, e.Error.Message, tc.status, tc.code)
			}
			if !strings.Contains(e.Error.Message, tc.hint) {
				t.Errorf("message %q does not say %q", e.Error.Message, tc.hint)
			}
			if n := api.model.calls.Load(); n != 0 {
				t.Errorf("bad input reached the model %d times", n)
			}
			if tc.status == 405 && w.Header().Get("Allow") != "POST" {
				t.Errorf("Allow = %q", w.Header().Get("Allow"))
			}
			if tc.status == 401 && w.Header().Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
}

func TestChatProviderErrors(t *testing.T) {
	for _, tc := range []struct {
		err        *openaiprovider.Error
		status     int
		code       string
		retryAfter string
	}{
		{&openaiprovider.Error{Kind: openaiprovider.KindRateLimited, StatusCode: 429, RetryAfter: 2100 * time.Millisecond, Attempts: 3}, 429, CodeOpenAIRateLimited, "3"},
		{&openaiprovider.Error{Kind: openaiprovider.KindRateLimited, StatusCode: 429, Attempts: 3}, 429, CodeOpenAIRateLimited, ""},
		{&openaiprovider.Error{Kind: openaiprovider.KindProviderUnavailable, StatusCode: 503, Attempts: 3}, 503, CodeProviderUnavailable, ""},
		{&openaiprovider.Error{Kind: openaiprovider.KindProviderUnavailable, Err: context.DeadlineExceeded, Attempts: 1}, 503, CodeProviderUnavailable, ""},
		{&openaiprovider.Error{Kind: openaiprovider.KindUnauthorized, StatusCode: 401, Code: "invalid_api_key", Attempts: 1}, 502, CodeOpenAIUnauthorized, ""},
		{&openaiprovider.Error{Kind: openaiprovider.KindProviderError, StatusCode: 400, Attempts: 1}, 502, CodeProviderError, ""},
	} {
		t.Run(tc.code, func(t *testing.T) {
			api := newTestAPI(t, &fakeModel{err: tc.err})
			w, e := api.do(t, chatCall(validBody))
			if w.Code != tc.status || e.Error.Code != tc.code {
				t.Fatalf("got %d %s, want %d %s", w.Code, e.Error.Code, tc.status, tc.code)
			}
			if got := w.Header().Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After %q, want %q", got, tc.retryAfter)
			}
		})
	}
}

func TestPanicIsRecovered(t *testing.T) {
	api := newTestAPI(t, &fakeModel{panic: true})
	w, e := api.do(t, chatCall(validBody))
	if w.Code != http.StatusInternalServerError || e.Error.Code != CodeInternal {
		t.Fatalf("got %d %s", w.Code, e.Error.Code)
	}
	if !strings.Contains(api.logs.String(), "handler panicked") {
		t.Error("panic not logged")
	}
}

func TestAccessLog(t *testing.T) {
	api := newTestAPI(t, &fakeModel{})
	body := `{"message": "` + secretText + `", "items": [{"itemId": "x1", "currentTitle": "ring"}]}`
	w, _ := api.do(t, chatCall(body))
	if w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	bad := chatCall(body)
	bad.auth = "Bearer wrong-key-987"
	api.do(t, bad)

	lines := strings.Split(strings.TrimSpace(api.logs.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one line per request, got %d:\n%s", len(lines), api.logs)
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"request_id", "status", "duration_ms", "openai_request_id", "method", "path"} {
		if _, ok := first[key]; !ok {
			t.Errorf("access log lacks %s: %s", key, lines[0])
		}
	}
	if first["openai_request_id"] != "req_abc123" || first["status"] != float64(200) || first["request_id"] != w.Header().Get(RequestIDHeader) {
		t.Errorf("access log fields: %s", lines[0])
	}
	for _, leak := range []string{clientKey, "wrong-key-987", secretText, "grandma"} {
		if strings.Contains(api.logs.String(), leak) {
			t.Errorf("log leaks %q:\n%s", leak, api.logs)
		}
	}
}

func TestRequestIDFromClient(t *testing.T) {
	api := newTestAPI(t, &fakeModel{})
	for _, tc := range []struct{ sent, want string }{{"abc-123_x.y", "abc-123_x.y"}, {"has space", ""}, {strings.Repeat("a", 65), ""}} {
		c := chatCall(validBody)
		r := httptest.NewRequest(c.method, c.path, c.body)
		r.Header.Set("Content-Type", c.contentType)
		r.Header.Set("Authorization", c.auth)
		r.Header.Set(RequestIDHeader, tc.sent)
		w := httptest.NewRecorder()
		api.handler.ServeHTTP(w, r)
		got := w.Header().Get(RequestIDHeader)
		if tc.want != "" && got != tc.want || tc.want == "" && (got == tc.sent || len(got) != 16) {
			t.Errorf("sent %q, got id %q", tc.sent, got)
		}
	}
}

func TestHealthAndReadiness(t *testing.T) {
	var draining atomic.Bool
	h := New(Deps{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), Assistant: assistant.New(&fakeModel{}),
		APIKeys: []config.Secret{clientKey}, Limits: config.Limits{MaxBodyBytes: 1024}, Draining: &draining})
	get := func(path string) int {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return w.Code
	}
	if get(HealthPath) != 200 || get(ReadyPath) != 200 {
		t.Fatal("not healthy and ready")
	}
	draining.Store(true)
	if get(HealthPath) != 200 || get(ReadyPath) != 503 {
		t.Error("draining: want healthz 200 and readyz 503")
	}
}
