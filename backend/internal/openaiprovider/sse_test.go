package openaiprovider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
)

// The chunks of a streamed chat completion, as OpenAI sends them.

func contentChunk(text string) string {
	return fmt.Sprintf(`{"id":"chatcmpl-s1","object":"chat.completion.chunk","created":1767225600,"model":%q,`+
		`"choices":[{"index":0,"delta":{"content":%q},"finish_reason":null}]}`, testModel, text)
}

func roleChunk() string {
	return fmt.Sprintf(`{"id":"chatcmpl-s1","object":"chat.completion.chunk","created":1767225600,"model":%q,`+
		`"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`, testModel)
}

func finishChunk() string {
	return fmt.Sprintf(`{"id":"chatcmpl-s1","object":"chat.completion.chunk","created":1767225600,"model":%q,`+
		`"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`, testModel)
}

// usageChunk is the last chunk of stream_options.include_usage: no choices,
// the usage with its details.
func usageChunk(u Usage) string {
	return fmt.Sprintf(`{"id":"chatcmpl-s1","object":"chat.completion.chunk","created":1767225600,"model":%q,"choices":[],`+
		`"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d,`+
		`"prompt_tokens_details":{"cached_tokens":%d},"completion_tokens_details":{"reasoning_tokens":%d}}}`,
		testModel, u.InputTokens, u.OutputTokens, u.TotalTokens, u.CachedInputTokens, u.ReasoningTokens)
}

// sse writes server-sent events, each flushed at once.
type sse struct {
	w http.ResponseWriter
}

// startSSE answers 200 with OpenAI's streaming headers.
func startSSE(w http.ResponseWriter) sse {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Request-Id", "req_stream1")
	w.Header().Set("X-Ratelimit-Remaining-Requests", "99")
	w.WriteHeader(http.StatusOK)
	return sse{w: w}
}

func (s sse) data(payload string) {
	_, _ = fmt.Fprintf(s.w, "data: %s\n\n", payload)
	s.w.(http.Flusher).Flush()
}

func (s sse) done() { s.data("[DONE]") }

// writeStream answers a whole streamed completion: a role chunk, one
// content chunk per text, the finish, the usage and [DONE].
func writeStream(w http.ResponseWriter, usage Usage, texts ...string) {
	s := startSSE(w)
	s.data(roleChunk())
	for _, text := range texts {
		s.data(contentChunk(text))
	}
	s.data(finishChunk())
	s.data(usageChunk(usage))
	s.done()
}

// cutConnection closes the connection under a response that has begun.
func cutConnection(t *testing.T, w http.ResponseWriter) {
	t.Helper()
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	_ = conn.Close()
}

// streamRequest is what a streamed request's body must ask for.
type streamRequest struct {
	Stream        bool `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

func decodeStreamRequest(t *testing.T, r *http.Request) streamRequest {
	t.Helper()
	var req streamRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		t.Errorf("request body: %v", err)
	}
	return req
}
