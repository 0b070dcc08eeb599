package openaisim_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sashabaranov/go-openai"

	"github.com/scanium/openai-monitoring/backend/openaisim"
)

// oneMessageOverhead is the prompt tokens of a single user message besides
// its text: 3 of framing, 1 of the role, 3 of the reply's priming. Its text
// starts at token 4.
const (
	oneMessageOverhead = 7
	textStart          = 4
)

// promptText is a text that makes a single user message a prompt of
// tokens tokens, whose characters differ with seed.
func promptText(tokens int, seed string) string {
	var b strings.Builder
	for b.Len() < (tokens-oneMessageOverhead)*4 {
		b.WriteString(seed)
		b.WriteString(" lamp brass desk vintage ")
	}
	return b.String()[:(tokens-oneMessageOverhead)*4]
}

// withTokensAlike returns text changed after its first tokens prompt tokens,
// its length kept.
func withTokensAlike(text string, tokens int) string {
	at := (tokens - textStart) * 4
	return text[:at] + strings.Repeat("#", len(text)-at)
}

// askCached sends text as the one user message to model and returns the
// usage, checking that the cached tokens follow OpenAI's rule.
func (s *sim) askCached(t *testing.T, model, text string) openai.Usage {
	t.Helper()
	resp, err := s.client.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{
		Model:    model,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: text}},
	})
	if err != nil {
		t.Fatalf("CreateChatCompletion: %v", err)
	}
	u := resp.Usage
	if u.PromptTokensDetails == nil {
		t.Fatal("the usage has no prompt_tokens_details")
	}
	c := u.PromptTokensDetails.CachedTokens
	if c != 0 && (c < 1024 || (c-1024)%128 != 0 || c > u.PromptTokens) {
		t.Errorf("cached_tokens = %d of %d prompt tokens: want 0, or 1024 + 128·k within the prompt", c, u.PromptTokens)
	}
	if u.TotalTokens != u.PromptTokens+u.CompletionTokens {
		t.Errorf("usage %+v: total is not prompt + completion", u)
	}
	return u
}

func cached(u openai.Usage) int { return u.PromptTokensDetails.CachedTokens }

func TestPromptCacheCachesARepeatedPrefix(t *testing.T) {
	first := promptText(1500, "a")
	for _, tc := range []struct {
		name      string
		then      string
		wantFirst int // the cached tokens of the first request
		want      int
	}{
		{"a prompt under 1024 tokens", promptText(1023, "b"), 0, 0},
		{"a 1024-token prompt", promptText(1024, "c"), 0, 1024},
		{"a 1500-token prompt", first, 0, 1408},
		{"sharing only the first 1100 tokens", withTokensAlike(first, 1100), 1408, 1024},
		{"sharing the first 1152 tokens", withTokensAlike(first, 1152), 1408, 1152},
		{"sharing the first 1023 tokens", withTokensAlike(first, 1023), 1408, 0},
		{"a longer prompt that starts with it", first[:len(first)-4] + promptText(600, "d"), 1408, 1408},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t, openaisim.Config{})
			text := tc.then
			if tc.wantFirst != 0 {
				text = first
			}
			if got := cached(s.askCached(t, openai.GPT4oMini, text)); got != 0 {
				t.Errorf("first request: cached_tokens = %d, want 0", got)
			}
			if tc.wantFirst != 0 {
				if got := cached(s.askCached(t, openai.GPT4oMini, first)); got != tc.wantFirst {
					t.Errorf("the first prompt again: cached_tokens = %d, want %d", got, tc.wantFirst)
				}
			}
			u := s.askCached(t, openai.GPT4oMini, tc.then)
			if want := utf8.RuneCountInString(tc.then)/4 + oneMessageOverhead; u.PromptTokens != want {
				t.Fatalf("prompt_tokens = %d, want %d", u.PromptTokens, want)
			}
			if got := cached(u); got != tc.want {
				t.Errorf("cached_tokens = %d of %d prompt tokens, want %d", got, u.PromptTokens, tc.want)
			}
		})
	}
}

func TestPromptCacheIsPerModel(t *testing.T) {
	s := start(t, openaisim.Config{})
	text := promptText(1500, "a")
	s.askCached(t, openai.GPT4oMini, text)
	if got := cached(s.askCached(t, openai.GPT4o, text)); got != 0 {
		t.Errorf("another model read %d cached tokens, want 0", got)
	}
	if got := cached(s.askCached(t, openai.GPT4oMini, text)); got != 1408 {
		t.Errorf("the first model again: cached_tokens = %d, want 1408", got)
	}
}

// TestPromptCacheForgetsWhatIsUnusedFor10Minutes drives the server's clock:
// a prefix used within 10 minutes stays, and each use restarts its 10
// minutes; one unused for 10 minutes is gone.
func TestPromptCacheForgetsWhatIsUnusedFor10Minutes(t *testing.T) {
	clock := openaisim.NewManualClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	s := start(t, openaisim.Config{Now: clock.Now})
	text := promptText(1500, "a")
	s.askCached(t, openai.GPT4oMini, text)
	for i, step := range []struct {
		advance time.Duration
		want    int
	}{
		{10*time.Minute - time.Second, 1408},
		{10*time.Minute - time.Second, 1408}, // 20 minutes after the first, 10 after the last use
		{10 * time.Minute, 0},
		{time.Second, 1408}, // the miss was answered, so remembered anew
	} {
		clock.Advance(step.advance)
		if got := cached(s.askCached(t, openai.GPT4oMini, text)); got != step.want {
			t.Errorf("step %d, %s later: cached_tokens = %d, want %d", i, step.advance, got, step.want)
		}
	}
}

// TestPromptCacheSizeCap: the cache holds PromptCacheSize prefixes, the
// least recently used dropped first. A 1500-token prompt has 4 (1024, 1152,
// 1280, 1408 tokens).
func TestPromptCacheSizeCap(t *testing.T) {
	s := start(t, openaisim.Config{PromptCacheSize: 8})
	a, b, c := promptText(1500, "a"), promptText(1500, "b"), promptText(1500, "c")
	s.askCached(t, openai.GPT4oMini, a)
	s.askCached(t, openai.GPT4oMini, b)
	if got := cached(s.askCached(t, openai.GPT4oMini, a)); got != 1408 {
		t.Fatalf("a again: cached_tokens = %d, want 1408 (8 prefixes fit)", got)
	}
	s.askCached(t, openai.GPT4oMini, c) // drops b's, the least recently used
	if got := cached(s.askCached(t, openai.GPT4oMini, a)); got != 1408 {
		t.Errorf("a after c: cached_tokens = %d, want 1408", got)
	}
	if got := cached(s.askCached(t, openai.GPT4oMini, b)); got != 0 {
		t.Errorf("b after c: cached_tokens = %d, want 0 (dropped for c's)", got)
	}

	// A prompt with more prefixes than the cache holds keeps its longest.
	small := start(t, openaisim.Config{PromptCacheSize: 2})
	small.askCached(t, openai.GPT4oMini, a)
	if got := cached(small.askCached(t, openai.GPT4oMini, a)); got != 1408 {
		t.Errorf("cache of 2: a again: cached_tokens = %d, want 1408", got)
	}
	if got := cached(small.askCached(t, openai.GPT4oMini, withTokensAlike(a, 1100))); got != 0 {
		t.Errorf("cache of 2: a prompt sharing 1100 tokens read %d cached tokens, want 0 (its 1024-token prefix was not kept)", got)
	}
}

func TestPromptCacheRemembersAnsweredPromptsOnly(t *testing.T) {
	s := start(t, openaisim.Config{})
	text := promptText(1500, "a")
	if err := s.srv.Script(openaisim.Fault500); err != nil {
		t.Fatal(err)
	}
	req := openai.ChatCompletionRequest{Model: openai.GPT4oMini, Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: text}}}
	if _, err := s.client.CreateChatCompletion(context.Background(), req); err == nil {
		t.Fatal("want the scripted 500")
	}
	if got := cached(s.askCached(t, openai.GPT4oMini, text)); got != 0 {
		t.Errorf("after a failed request: cached_tokens = %d, want 0", got)
	}
}

func TestPromptCacheSizeIsValidated(t *testing.T) {
	_, err := openaisim.New(openaisim.Config{PromptCacheSize: -1})
	if err == nil || !strings.Contains(err.Error(), "prompt cache size -1 is negative") {
		t.Errorf("New with a negative prompt cache size: %v", err)
	}
}
