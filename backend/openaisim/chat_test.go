package openaisim_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sashabaranov/go-openai"

	"github.com/scanium/openai-monitoring/backend/openaisim"
)

func TestChatCompletionAnswersInOpenAIShape(t *testing.T) {
	clock := openaisim.NewManualClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	s := start(t, openaisim.Config{Now: clock.Now})

	resp, err := s.ask(t, "vintage leather jacket, brown, size M")
	if err != nil {
		t.Fatalf("CreateChatCompletion: %v", err)
	}
	if !strings.HasPrefix(resp.ID, "chatcmpl-") {
		t.Errorf("id = %q, want the chatcmpl- prefix", resp.ID)
	}
	if resp.Object != "chat.completion" {
		t.Errorf("object = %q, want chat.completion", resp.Object)
	}
	if resp.Model != openai.GPT4oMini {
		t.Errorf("model = %q, want the requested %q", resp.Model, openai.GPT4oMini)
	}
	if want := clock.Now().Unix(); resp.Created != want {
		t.Errorf("created = %d, want %d from the injected clock", resp.Created, want)
	}
	if len(resp.Choices) != 1 {
		t.Fatalf("got %d choices, want 1", len(resp.Choices))
	}
	choice := resp.Choices[0]
	if choice.Message.Role != openai.ChatMessageRoleAssistant {
		t.Errorf("role = %q, want assistant", choice.Message.Role)
	}
	if choice.FinishReason != openai.FinishReasonStop {
		t.Errorf("finish_reason = %q, want stop", choice.FinishReason)
	}
	if !strings.Contains(choice.Message.Content, "Suggested title: Vintage Leather Jacket Brown Size M\n") {
		t.Errorf("content does not suggest a title from the prompt:\n%s", choice.Message.Content)
	}

	u := resp.Usage
	if want := (utf8.RuneCountInString(choice.Message.Content) + 3) / 4; u.CompletionTokens != want {
		t.Errorf("completion_tokens = %d, want %d (a quarter of the content's characters)", u.CompletionTokens, want)
	}
	if u.PromptTokens <= 0 || u.TotalTokens != u.PromptTokens+u.CompletionTokens {
		t.Errorf("usage = %+v, want positive prompt tokens and total = prompt + completion", u)
	}

	again, err := s.ask(t, "vintage leather jacket, brown, size M")
	if err != nil {
		t.Fatalf("second CreateChatCompletion: %v", err)
	}
	if again.Choices[0].Message.Content != choice.Message.Content || tokens(again.Usage) != tokens(resp.Usage) {
		t.Errorf("the same request answered differently: usage %v, then %v", tokens(resp.Usage), tokens(again.Usage))
	}
	if again.ID == resp.ID {
		t.Errorf("two completions share the id %q", resp.ID)
	}
}

func TestPromptTokensFollowThePromptLength(t *testing.T) {
	s := start(t, openaisim.Config{})
	short, err := s.ask(t, "lamp")
	if err != nil {
		t.Fatalf("CreateChatCompletion: %v", err)
	}
	long, err := s.ask(t, "lamp"+strings.Repeat(" ", 400))
	if err != nil {
		t.Fatalf("CreateChatCompletion: %v", err)
	}
	if got := long.Usage.PromptTokens - short.Usage.PromptTokens; got != 100 {
		t.Errorf("400 more characters added %d prompt tokens, want 100", got)
	}

	req := chat("lamp")
	req.Messages = append(req.Messages, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: "lamp"})
	more, err := s.client.CreateChatCompletion(context.Background(), req)
	if err != nil {
		t.Fatalf("CreateChatCompletion: %v", err)
	}
	if overhead := more.Usage.PromptTokens - short.Usage.PromptTokens; overhead <= 1 || overhead > 6 {
		t.Errorf("a one-token message added %d prompt tokens, want its token plus a small overhead", overhead)
	}
}

func TestMaxTokensCutTheReply(t *testing.T) {
	s := start(t, openaisim.Config{})
	for _, tc := range []struct {
		name string
		set  func(*openai.ChatCompletionRequest)
	}{
		{"max_tokens", func(r *openai.ChatCompletionRequest) { r.MaxTokens = 5 }},
		{"max_completion_tokens", func(r *openai.ChatCompletionRequest) { r.MaxCompletionTokens = 5 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := chat("mid-century teak sideboard")
			tc.set(&req)
			resp, err := s.client.CreateChatCompletion(context.Background(), req)
			if err != nil {
				t.Fatalf("CreateChatCompletion: %v", err)
			}
			if resp.Usage.CompletionTokens != 5 {
				t.Errorf("completion_tokens = %d, want the limit 5", resp.Usage.CompletionTokens)
			}
			if n := utf8.RuneCountInString(resp.Choices[0].Message.Content); n > 20 {
				t.Errorf("content has %d characters, want at most 20 for 5 tokens", n)
			}
			if resp.Choices[0].FinishReason != openai.FinishReasonLength {
				t.Errorf("finish_reason = %q, want length", resp.Choices[0].FinishReason)
			}
		})
	}
}

func TestSeveralChoices(t *testing.T) {
	s := start(t, openaisim.Config{})
	req := chat("road bike aluminium frame 56cm")
	req.N = 3
	resp, err := s.client.CreateChatCompletion(context.Background(), req)
	if err != nil {
		t.Fatalf("CreateChatCompletion: %v", err)
	}
	if len(resp.Choices) != 3 {
		t.Fatalf("got %d choices, want 3", len(resp.Choices))
	}
	sum := 0
	for i, c := range resp.Choices {
		if c.Index != i {
			t.Errorf("choice %d has index %d", i, c.Index)
		}
		sum += (utf8.RuneCountInString(c.Message.Content) + 3) / 4
	}
	if resp.Usage.CompletionTokens != sum {
		t.Errorf("completion_tokens = %d, want %d over all choices", resp.Usage.CompletionTokens, sum)
	}
}

func TestImagePartsCountAsPromptTokens(t *testing.T) {
	s := start(t, openaisim.Config{})
	text := chat("camera")
	withImage := chat("")
	withImage.Messages[1] = openai.ChatCompletionMessage{
		Role: openai.ChatMessageRoleUser,
		MultiContent: []openai.ChatMessagePart{
			{Type: openai.ChatMessagePartTypeText, Text: "camera"},
			{Type: openai.ChatMessagePartTypeImageURL, ImageURL: &openai.ChatMessageImageURL{URL: "data:image/jpeg;base64,AAAA"}},
		},
	}
	a, err := s.client.CreateChatCompletion(context.Background(), text)
	if err != nil {
		t.Fatalf("CreateChatCompletion: %v", err)
	}
	b, err := s.client.CreateChatCompletion(context.Background(), withImage)
	if err != nil {
		t.Fatalf("CreateChatCompletion with an image: %v", err)
	}
	if got := b.Usage.PromptTokens - a.Usage.PromptTokens; got != 85 {
		t.Errorf("an image added %d prompt tokens, want 85", got)
	}
	if a.Choices[0].Message.Content != b.Choices[0].Message.Content {
		t.Errorf("the reply to the text part differs from the reply to the same text alone")
	}
}

func TestEveryAnswerCarriesOpenAIHeaders(t *testing.T) {
	s := start(t, openaisim.Config{})
	requestID := regexp.MustCompile(`^req_[0-9a-f]{32}$`)
	for _, tc := range []struct {
		method, path, body, auth string
		status                   int
	}{
		{http.MethodPost, "/v1/chat/completions", `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`, "Bearer " + testKey, http.StatusOK},
		{http.MethodPost, "/v1/chat/completions", `{`, "Bearer " + testKey, http.StatusBadRequest},
		{http.MethodPost, "/v1/chat/completions", `{}`, "", http.StatusUnauthorized},
		{http.MethodGet, "/v1/models", ``, "Bearer " + testKey, http.StatusOK},
		{http.MethodGet, "/healthz", ``, "", http.StatusOK},
		{http.MethodGet, "/v1/embeddings", ``, "Bearer " + testKey, http.StatusNotFound},
	} {
		status, h, body := s.do(t, tc.method, tc.path, tc.body, tc.auth)
		if status != tc.status {
			t.Errorf("%s %s: status %d, want %d: %s", tc.method, tc.path, status, tc.status, body)
		}
		if id := h.Get("x-request-id"); !requestID.MatchString(id) {
			t.Errorf("%s %s: x-request-id = %q, want req_ and 32 hex digits", tc.method, tc.path, id)
		}
		if ms, err := strconv.Atoi(h.Get("openai-processing-ms")); err != nil || ms < 0 {
			t.Errorf("%s %s: openai-processing-ms = %q, want a count of milliseconds", tc.method, tc.path, h.Get("openai-processing-ms"))
		}
		if ct := h.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s %s: content-type = %q, want application/json", tc.method, tc.path, ct)
		}
		if !json.Valid(body) {
			t.Errorf("%s %s: the body is not JSON: %s", tc.method, tc.path, body)
		}
	}
}

func TestResponseBodyHasOpenAIFields(t *testing.T) {
	s := start(t, openaisim.Config{})
	status, _, body := s.post(t, "/v1/chat/completions", `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"oak desk"}]}`)
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatalf("decode: %v", err)
	}
	for _, field := range []string{"id", "object", "created", "model", "choices", "usage", "system_fingerprint", "service_tier"} {
		if _, ok := raw[field]; !ok {
			t.Errorf("the response has no %q", field)
		}
	}
	message := raw["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)
	if refusal, ok := message["refusal"]; !ok || refusal != nil {
		t.Errorf("message.refusal = %v, want null as OpenAI sends it", refusal)
	}
	usage := raw["usage"].(map[string]any)
	for _, field := range []string{"prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details", "completion_tokens_details"} {
		if _, ok := usage[field]; !ok {
			t.Errorf("usage has no %q", field)
		}
	}
}

func TestListModels(t *testing.T) {
	s := start(t, openaisim.Config{Models: []string{"gpt-4o-mini", "gpt-4o"}})
	list, err := s.client.ListModels(context.Background())
	if err != nil {
		t.Fatalf("ListModels: %v", err)
	}
	var ids []string
	for _, m := range list.Models {
		ids = append(ids, m.ID)
		if m.Object != "model" || m.OwnedBy == "" || m.CreatedAt == 0 {
			t.Errorf("model %+v lacks OpenAI's fields", m)
		}
	}
	if strings.Join(ids, ",") != "gpt-4o-mini,gpt-4o" {
		t.Errorf("models = %v, want the configured gpt-4o-mini, gpt-4o", ids)
	}

	_, err = newClient(s.run.URL(), "").ListModels(context.Background())
	if apiErr := asAPIError(t, err); apiErr.HTTPStatusCode != http.StatusUnauthorized {
		t.Errorf("models without a key: status %d, want 401", apiErr.HTTPStatusCode)
	}
}

// tokens is the comparable part of a usage.
func tokens(u openai.Usage) [3]int {
	return [3]int{u.PromptTokens, u.CompletionTokens, u.TotalTokens}
}
