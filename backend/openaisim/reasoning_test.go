package openaisim_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"unicode/utf8"

	"github.com/sashabaranov/go-openai"

	"github.com/scanium/openai-monitoring/backend/openaisim"
)

// visibleTokens is the tokens of a reply's text: a quarter of its
// characters, rounded up.
func visibleTokens(s string) int { return (utf8.RuneCountInString(s) + 3) / 4 }

func reasoningTokens(u openai.Usage) int {
	if u.CompletionTokensDetails == nil {
		return -1
	}
	return u.CompletionTokensDetails.ReasoningTokens
}

func TestReasoningModelsReportReasoningTokens(t *testing.T) {
	s := start(t, openaisim.Config{})
	for model, reasons := range map[string]bool{
		"o1": true, "o3": true, "o3-mini": true, "o4-mini": true,
		"gpt-5": true, "gpt-5-mini": true, "gpt-5-nano": true, "gpt-5-2025-08-07": true,
		openai.GPT4oMini: false, openai.GPT4o: false, "gpt-4.1-nano": false, "gpt-5-chat-latest": false,
	} {
		req := chat("mid-century teak sideboard")
		req.Model = model
		resp, err := s.client.CreateChatCompletion(context.Background(), req)
		if err != nil {
			t.Fatalf("%s: CreateChatCompletion: %v", model, err)
		}
		visible := visibleTokens(resp.Choices[0].Message.Content)
		want := 0
		if reasons {
			want = 3 * visible
		}
		u := resp.Usage
		if got := reasoningTokens(u); got != want {
			t.Errorf("%s: reasoning_tokens = %d, want %d", model, got, want)
		}
		if u.CompletionTokens != visible+want || u.TotalTokens != u.PromptTokens+u.CompletionTokens {
			t.Errorf("%s: usage %+v, want completion = %d visible + %d reasoning, total = prompt + completion", model, u, visible, want)
		}
		if resp.Choices[0].FinishReason != openai.FinishReasonStop || visible == 0 {
			t.Errorf("%s: finish_reason %q with %d visible tokens, want a whole reply", model, resp.Choices[0].FinishReason, visible)
		}
	}
}

func TestReasoningCountsAgainstMaxCompletionTokens(t *testing.T) {
	s := start(t, openaisim.Config{})
	full, err := s.client.CreateChatCompletion(context.Background(), func() openai.ChatCompletionRequest {
		r := chat("mid-century teak sideboard")
		r.Model = "o4-mini"
		return r
	}())
	if err != nil {
		t.Fatal(err)
	}
	reply := visibleTokens(full.Choices[0].Message.Content)
	reasoning := reasoningTokens(full.Usage)
	for _, tc := range []struct {
		name          string
		limit         int
		wantReasoning int
		wantVisible   int
		wantFinish    openai.FinishReason
	}{
		{"room for all", reasoning + reply, reasoning, reply, openai.FinishReasonStop},
		{"the reply cut", reasoning + 5, reasoning, 5, openai.FinishReasonLength},
		{"no room left for the reply", reasoning, reasoning, 0, openai.FinishReasonLength},
		{"the reasoning cut", 10, 10, 0, openai.FinishReasonLength},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := chat("mid-century teak sideboard")
			req.Model = "o4-mini"
			req.MaxCompletionTokens = tc.limit
			resp, err := s.client.CreateChatCompletion(context.Background(), req)
			if err != nil {
				t.Fatalf("CreateChatCompletion: %v", err)
			}
			c := resp.Choices[0]
			if got := visibleTokens(c.Message.Content); got != tc.wantVisible || c.FinishReason != tc.wantFinish {
				t.Errorf("%d visible tokens, finish_reason %q; want %d and %q", got, c.FinishReason, tc.wantVisible, tc.wantFinish)
			}
			u := resp.Usage
			if reasoningTokens(u) != tc.wantReasoning || u.CompletionTokens != tc.wantReasoning+tc.wantVisible || u.CompletionTokens > tc.limit {
				t.Errorf("usage %+v, want %d reasoning + %d visible within the limit %d", u, tc.wantReasoning, tc.wantVisible, tc.limit)
			}
		})
	}
}

// TestReasoningOverSeveralChoices: each choice reasons (go-openai refuses n
// for reasoning models, so the body is posted directly).
func TestReasoningOverSeveralChoices(t *testing.T) {
	s := start(t, openaisim.Config{})
	status, _, body := s.post(t, "/v1/chat/completions", `{"model":"gpt-5-mini","n":3,"messages":[{"role":"user","content":"road bike aluminium frame 56cm"}]}`)
	var resp openai.ChatCompletionResponse
	if err := json.Unmarshal(body, &resp); status != http.StatusOK || err != nil || len(resp.Choices) != 3 {
		t.Fatalf("status %d, %d choices (%v): %s", status, len(resp.Choices), err, body)
	}
	visible := 0
	for _, c := range resp.Choices {
		visible += visibleTokens(c.Message.Content)
	}
	if u := resp.Usage; reasoningTokens(u) != 3*visible || u.CompletionTokens != 4*visible {
		t.Errorf("usage %+v over %d visible tokens, want reasoning 3 times and completion 4 times that", u, visible)
	}
}

// TestReasoningModelsRefuseMaxTokens: OpenAI's reasoning models take only
// max_completion_tokens (go-openai refuses the request itself, so the body
// is posted directly).
func TestReasoningModelsRefuseMaxTokens(t *testing.T) {
	s := start(t, openaisim.Config{})
	status, _, body := s.post(t, "/v1/chat/completions", `{"model":"o3-mini","max_tokens":50,"messages":[{"role":"user","content":"lamp"}]}`)
	e := decodeError(t, body)
	if status != http.StatusBadRequest || e.Error.Type != "invalid_request_error" || e.Error.Param == nil || *e.Error.Param != "max_tokens" ||
		e.Error.Code == nil || *e.Error.Code != "unsupported_parameter" {
		t.Errorf("status %d, error %+v; want a 400 unsupported_parameter on max_tokens", status, e.Error)
	}
	status, _, body = s.post(t, "/v1/chat/completions", `{"model":"gpt-4o-mini","max_tokens":50,"messages":[{"role":"user","content":"lamp"}]}`)
	var ok struct {
		Usage struct {
			Details struct {
				Reasoning *int `json:"reasoning_tokens"`
			} `json:"completion_tokens_details"`
		} `json:"usage"`
	}
	if err := json.Unmarshal(body, &ok); status != http.StatusOK || err != nil || ok.Usage.Details.Reasoning == nil || *ok.Usage.Details.Reasoning != 0 {
		t.Errorf("gpt-4o-mini with max_tokens: status %d, reasoning_tokens %v (%v); want 200 and 0", status, ok.Usage.Details.Reasoning, err)
	}
}
