package openaisim_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sashabaranov/go-openai"

	"github.com/scanium/openai-monitoring/backend/openaisim"
)

func TestRateLimitHeadersFallPerRequestAndToken(t *testing.T) {
	clock := openaisim.NewManualClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	s := start(t, openaisim.Config{
		Now:        clock.Now,
		RateLimits: openaisim.RateLimits{Requests: 100, RequestWindow: time.Minute, Tokens: 10_000, TokenWindow: 6 * time.Minute},
	})

	first, err := s.ask(t, "brass candle holders, pair")
	if err != nil {
		t.Fatalf("CreateChatCompletion: %v", err)
	}
	rl := first.GetRateLimitHeaders()
	if rl.LimitRequests != 100 || rl.LimitTokens != 10_000 {
		t.Errorf("limits = %d requests, %d tokens; want 100 and 10000", rl.LimitRequests, rl.LimitTokens)
	}
	if rl.RemainingRequests != 99 {
		t.Errorf("remaining requests after one = %d, want 99", rl.RemainingRequests)
	}
	if want := 10_000 - first.Usage.TotalTokens; rl.RemainingTokens != want {
		t.Errorf("remaining tokens = %d, want %d (the limit less the request's total tokens)", rl.RemainingTokens, want)
	}
	if rl.ResetRequests.String() != "1m0s" || rl.ResetTokens.String() != "6m0s" {
		t.Errorf("resets = %q, %q; want 1m0s and 6m0s at the window's start", rl.ResetRequests, rl.ResetTokens)
	}

	clock.Advance(15*time.Second + 13*time.Millisecond)
	second, err := s.ask(t, "brass candle holders, pair, with a longer description of their patina")
	if err != nil {
		t.Fatalf("CreateChatCompletion: %v", err)
	}
	rl2 := second.GetRateLimitHeaders()
	if rl2.RemainingRequests != 98 {
		t.Errorf("remaining requests after two = %d, want 98", rl2.RemainingRequests)
	}
	if want := rl.RemainingTokens - second.Usage.TotalTokens; rl2.RemainingTokens != want {
		t.Errorf("remaining tokens = %d, want %d", rl2.RemainingTokens, want)
	}
	for name, reset := range map[string]openai.ResetTime{"requests": rl2.ResetRequests, "tokens": rl2.ResetTokens} {
		d, err := time.ParseDuration(reset.String())
		if err != nil {
			t.Errorf("reset %s %q is not a Go duration: %v", name, reset, err)
		}
		if d <= 0 {
			t.Errorf("reset %s = %s, want a time to come", name, d)
		}
	}
	if got := rl2.ResetRequests.String(); got != "44.99s" {
		t.Errorf("reset requests 15.013s into a minute = %q, want 44.99s (44.987s rounded up)", got)
	}
}

func TestRequestBudgetRunsOut(t *testing.T) {
	clock := openaisim.NewManualClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	s := start(t, openaisim.Config{Now: clock.Now, RateLimits: openaisim.RateLimits{Requests: 2}})
	for i := range 2 {
		if _, err := s.ask(t, "stool"); err != nil {
			t.Fatalf("request %d within the budget: %v", i+1, err)
		}
	}
	clock.Advance(20 * time.Second)

	resp, err := s.ask(t, "stool")
	apiErr := asAPIError(t, err)
	if apiErr.HTTPStatusCode != http.StatusTooManyRequests || apiErr.Code != "rate_limit_exceeded" || apiErr.Type != "requests" {
		t.Errorf("got %d %q %v, want 429 requests rate_limit_exceeded", apiErr.HTTPStatusCode, apiErr.Type, apiErr.Code)
	}
	if got := resp.Header().Get("retry-after"); got != "40" {
		t.Errorf("retry-after = %q, want 40 (seconds left in the window)", got)
	}
	rl := resp.GetRateLimitHeaders()
	if rl.RemainingRequests != 0 || rl.LimitRequests != 2 || rl.ResetRequests.String() != "40s" {
		t.Errorf("rate-limit headers of the 429 = %+v, want 0 of 2 requests left, reset 40s", rl)
	}
	if st := s.srv.Stats(); st.RateLimited != 1 || st.Succeeded != 2 {
		t.Errorf("stats = %+v, want 2 succeeded and 1 rate limited", st)
	}
}

func TestTokenBudgetRunsOut(t *testing.T) {
	clock := openaisim.NewManualClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	s := start(t, openaisim.Config{Now: clock.Now})
	first, err := s.ask(t, "wool rug")
	if err != nil {
		t.Fatalf("CreateChatCompletion: %v", err)
	}
	// Leave a budget one token short of the same request again.
	if err := s.srv.SetRateLimits(openaisim.RateLimits{Tokens: int64(2*first.Usage.TotalTokens - 1)}); err != nil {
		t.Fatalf("SetRateLimits: %v", err)
	}

	resp, err := s.ask(t, "wool rug")
	apiErr := asAPIError(t, err)
	if apiErr.HTTPStatusCode != http.StatusTooManyRequests || apiErr.Type != "tokens" {
		t.Errorf("got %d %q, want 429 tokens", apiErr.HTTPStatusCode, apiErr.Type)
	}
	if got := resp.Header().Get("retry-after"); got != "60" {
		t.Errorf("retry-after = %q, want 60", got)
	}
	if rl := resp.GetRateLimitHeaders(); rl.RemainingTokens != first.Usage.TotalTokens-1 || rl.RemainingRequests == 0 {
		t.Errorf("headers = %+v, want %d tokens and some requests left", rl, first.Usage.TotalTokens-1)
	}

	// A request larger than the whole budget can never pass.
	if err := s.srv.SetRateLimits(openaisim.RateLimits{Tokens: 10}); err != nil {
		t.Fatalf("SetRateLimits: %v", err)
	}
	clock.Advance(time.Minute)
	_, err = s.ask(t, "wool rug")
	if apiErr := asAPIError(t, err); apiErr.HTTPStatusCode != http.StatusTooManyRequests {
		t.Errorf("a request over the whole budget: status %d, want 429", apiErr.HTTPStatusCode)
	}
}

func TestWindowResetRestoresTheBudget(t *testing.T) {
	clock := openaisim.NewManualClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	s := start(t, openaisim.Config{Now: clock.Now, RateLimits: openaisim.RateLimits{Requests: 1, RequestWindow: 10 * time.Second}})
	if _, err := s.ask(t, "mirror"); err != nil {
		t.Fatalf("first request: %v", err)
	}
	clock.Advance(10*time.Second - time.Nanosecond)
	if _, err := s.ask(t, "mirror"); asAPIError(t, err).HTTPStatusCode != http.StatusTooManyRequests {
		t.Fatalf("a request just before the reset passed")
	}
	clock.Advance(time.Nanosecond)
	resp, err := s.ask(t, "mirror")
	if err != nil {
		t.Fatalf("a request after the reset: %v", err)
	}
	rl := resp.GetRateLimitHeaders()
	if rl.RemainingRequests != 0 || rl.ResetRequests.String() != "10s" {
		t.Errorf("headers after the reset = %+v, want a new window: 0 left, reset 10s", rl)
	}
}

func TestHeadersBeforeAnyRequestShowTheFullBudget(t *testing.T) {
	s := start(t, openaisim.Config{})
	status, h, _ := s.post(t, "/v1/chat/completions", `{}`)
	if status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", status)
	}
	want := map[string]string{
		"x-ratelimit-limit-requests":     strconv.Itoa(openaisim.DefaultRequestLimit),
		"x-ratelimit-remaining-requests": strconv.Itoa(openaisim.DefaultRequestLimit),
		"x-ratelimit-limit-tokens":       strconv.Itoa(openaisim.DefaultTokenLimit),
		"x-ratelimit-remaining-tokens":   strconv.Itoa(openaisim.DefaultTokenLimit),
		"x-ratelimit-reset-requests":     "0s",
		"x-ratelimit-reset-tokens":       "0s",
	}
	for name, value := range want {
		if got := h.Get(name); got != value {
			t.Errorf("%s = %q, want %q", name, got, value)
		}
	}
}

func TestSetRateLimitsRejectsNegativeValues(t *testing.T) {
	s := start(t, openaisim.Config{})
	err := s.srv.SetRateLimits(openaisim.RateLimits{Requests: -1, TokenWindow: -time.Second})
	if err == nil {
		t.Fatal("SetRateLimits accepted negative values")
	}
	for _, want := range []string{"request limit -1", "token window -1s"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if resp, err := s.ask(t, "chair"); err != nil || resp.GetRateLimitHeaders().LimitRequests != openaisim.DefaultRequestLimit {
		t.Errorf("after a rejected change: %v, limits %+v; want the limits unchanged", err, resp.GetRateLimitHeaders())
	}
}
