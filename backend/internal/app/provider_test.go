package app

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestOpenAIMaxResponseBytesReachesTheProvider(t *testing.T) {
	// OpenAI answers a 100 KiB completion: within the default bound it is a
	// reply, beyond OPENAI_MAX_RESPONSE_BYTES=65536 a PROVIDER_ERROR.
	reply := strings.Repeat("x", 100<<10)
	openAI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
			"choices": []map[string]any{{"index": 0, "finish_reason": "stop", "message": map[string]string{"role": "assistant", "content": reply}}},
			"usage":   map[string]int{"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
		})
	}))
	defer openAI.Close()
	for _, tc := range []struct {
		name   string
		limit  string
		status int
		code   string
	}{
		{"default bound", "", http.StatusOK, ""},
		{"configured bound", "65536", http.StatusBadGateway, "PROVIDER_ERROR"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := startBackend(t, map[string]string{
				"SCANIUM_API_KEYS": clientKey, "OTEL_ENABLED": "false", "OPENAI_API_KEY": "sk-x",
				"OPENAI_BASE_URL": openAI.URL + "/v1", "OPENAI_MAX_RETRIES": "0", "OPENAI_MAX_RESPONSE_BYTES": tc.limit,
			})
			if a := postChat(quickClient(), b.url); a.err != nil || a.status != tc.status || a.code != tc.code {
				t.Errorf("%d %q %v, want %d %q", a.status, a.code, a.err, tc.status, tc.code)
			}
		})
	}
}
