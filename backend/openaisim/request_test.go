package openaisim_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/sashabaranov/go-openai"

	"github.com/scanium/openai-monitoring/backend/openaisim"
)

func TestInvalidRequestsGetOpenAIErrors(t *testing.T) {
	s := start(t, openaisim.Config{})
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		param, code              string // "" means null
		messageHas               string
	}{
		{"malformed JSON", "POST", "/v1/chat/completions", `{"model":`, 400, "", "", "could not parse the JSON body"},
		{"two JSON values", "POST", "/v1/chat/completions", `{"model":"m","messages":[{"role":"user","content":"x"}]} {}`, 400, "", "", "could not parse the JSON body"},
		{"empty body", "POST", "/v1/chat/completions", ``, 400, "", "", "could not parse the JSON body"},
		{"missing model", "POST", "/v1/chat/completions", `{"messages":[{"role":"user","content":"x"}]}`, 400, "", "", "you must provide a model parameter"},
		{"missing messages", "POST", "/v1/chat/completions", `{"model":"gpt-4o-mini"}`, 400, "messages", "missing_required_parameter", "Missing required parameter: 'messages'"},
		{"empty messages", "POST", "/v1/chat/completions", `{"model":"gpt-4o-mini","messages":[]}`, 400, "messages", "empty_array", "empty array"},
		{"stream options without stream", "POST", "/v1/chat/completions", `{"model":"gpt-4o-mini","stream_options":{"include_usage":true},"messages":[{"role":"user","content":"x"}]}`, 400, "stream_options", "invalid_value", "only allowed when 'stream' is enabled"},
		{"unknown role", "POST", "/v1/chat/completions", `{"model":"gpt-4o-mini","messages":[{"role":"robot","content":"x"}]}`, 400, "messages[0].role", "invalid_value", "'robot'"},
		{"missing content", "POST", "/v1/chat/completions", `{"model":"gpt-4o-mini","messages":[{"role":"user"}]}`, 400, "messages[0].content", "missing_required_parameter", "messages[0].content"},
		{"content of the wrong type", "POST", "/v1/chat/completions", `{"model":"gpt-4o-mini","messages":[{"role":"user","content":42}]}`, 400, "messages[0].content", "invalid_type", "got a number"},
		{"stream of the wrong type", "POST", "/v1/chat/completions", `{"model":"gpt-4o-mini","stream":"yes","messages":[{"role":"user","content":"x"}]}`, 400, "stream", "invalid_type", "expected a boolean, but got a string"},
		{"max_tokens zero", "POST", "/v1/chat/completions", `{"model":"gpt-4o-mini","max_tokens":0,"messages":[{"role":"user","content":"x"}]}`, 400, "max_tokens", "integer_below_min_value", "Expected a value >= 1"},
		{"n too large", "POST", "/v1/chat/completions", `{"model":"gpt-4o-mini","n":129,"messages":[{"role":"user","content":"x"}]}`, 400, "n", "integer_above_max_value", "Expected a value <= 128"},
		{"body too large", "POST", "/v1/chat/completions", `{"model":"` + strings.Repeat("m", 17<<20) + `"}`, 413, "", "request_too_large", "at most"},
		{"wrong method", "GET", "/v1/chat/completions", ``, 405, "", "", "Invalid method for URL (GET /v1/chat/completions)"},
		{"unknown path", "POST", "/v1/completions", `{}`, 404, "", "", "Invalid URL (POST /v1/completions)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := s.do(t, tc.method, tc.path, tc.body, "Bearer "+testKey)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			e := decodeError(t, body).Error
			if e.Type != "invalid_request_error" {
				t.Errorf("type = %q, want invalid_request_error", e.Type)
			}
			if !strings.Contains(e.Message, tc.messageHas) {
				t.Errorf("message %q does not say %q", e.Message, tc.messageHas)
			}
			if got := deref(e.Param); got != tc.param || (tc.param == "") != (e.Param == nil) {
				t.Errorf("param = %v, want %q (null if empty)", got, tc.param)
			}
			if got := deref(e.Code); got != tc.code || (tc.code == "") != (e.Code == nil) {
				t.Errorf("code = %v, want %q (null if empty)", got, tc.code)
			}
			if tc.path == "/v1/chat/completions" && tc.method == "POST" && h.Get("x-ratelimit-limit-requests") == "" {
				t.Errorf("a chat completion answered after authentication lacks the rate-limit headers")
			}
		})
	}
	st := s.srv.Stats()
	if st.BadRequest != 15 || st.Received != 15 {
		t.Errorf("stats = %+v, want 15 chat completions received, all bad requests", st)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func TestGoOpenAIReportsBadRequests(t *testing.T) {
	s := start(t, openaisim.Config{})
	_, err := s.client.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{Model: openai.GPT4oMini})
	apiErr := asAPIError(t, err)
	if apiErr.HTTPStatusCode != http.StatusBadRequest || apiErr.Type != "invalid_request_error" {
		t.Errorf("got %d %q, want 400 invalid_request_error", apiErr.HTTPStatusCode, apiErr.Type)
	}
}

func TestHealthz(t *testing.T) {
	s := start(t, openaisim.Config{APIKeys: []string{"sk-only"}})
	status, _, body := s.do(t, http.MethodGet, "/healthz", "", "")
	if status != http.StatusOK || string(body) != `{"status":"ok"}` {
		t.Errorf("GET /healthz without a key = %d %s, want 200 {\"status\":\"ok\"}", status, body)
	}
}
