package openaiprovider

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scanium/openai-monitoring/backend/config"
	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/backend/openaisim"
	"github.com/scanium/openai-monitoring/backend/openaisim/simtest"
)

const testKey = "sk-test-0123456789abcdef"

// simFixture is a Provider talking to a running simulator over HTTP through
// go-openai, recording into a ManualReader; waits between attempts are
// recorded instead of slept.
type simFixture struct {
	*meterReader
	sim      *openaisim.Server
	provider *Provider
	mu       sync.Mutex
	waits    []time.Duration
}

func newSimFixture(t *testing.T, simCfg openaisim.Config, maxRetries int, timeout time.Duration) *simFixture {
	t.Helper()
	sim, url := simtest.Start(t, simCfg)
	f := &simFixture{meterReader: newMeterReader(t), sim: sim}
	f.provider = f.newProvider(url, maxRetries, timeout)
	return f
}

func (f *simFixture) newProvider(baseURL string, maxRetries int, timeout time.Duration) *Provider {
	return New(Config{
		APIKey: config.Secret(testKey), BaseURL: baseURL, Model: testModel,
		Timeout: timeout, MaxRetries: maxRetries,
	}, f.recorder, WithSleep(f.recordWait))
}

// recordWait stands in for the wait between attempts: it records d.
func (f *simFixture) recordWait(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.waits = append(f.waits, d)
	f.mu.Unlock()
	return ctx.Err()
}

func (f *simFixture) chat(t *testing.T) (Response, error) {
	t.Helper()
	return f.provider.Chat(context.Background(), Request{Messages: []Message{
		{Role: RoleSystem, Content: "You write listing titles."},
		{Role: RoleUser, Content: "Generate a listing title for a brass desk lamp"},
	}, MaxTokens: 100})
}

func (f *simFixture) requests(t *testing.T, errorType string) int64 {
	t.Helper()
	want := map[string]string{m.LabelModel: testModel, m.LabelStatus: m.StatusSuccess}
	if errorType != "" {
		want = map[string]string{m.LabelModel: testModel, m.LabelStatus: m.StatusError, m.LabelErrorType: errorType}
	}
	v, _ := sumValue(t, f.collect(), m.RequestsTotal, want)
	return v
}

func TestChatAgainstSimulator(t *testing.T) {
	f := newSimFixture(t, openaisim.Config{}, 2, 5*time.Second)
	resp, err := f.chat(t)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Reply == "" || resp.Attempts != 1 || !strings.HasPrefix(resp.RequestID, "req_") || resp.Model != testModel {
		t.Errorf("response %+v", resp)
	}
	if resp.Usage.InputTokens <= 0 || resp.Usage.OutputTokens <= 0 || resp.Usage.TotalTokens != resp.Usage.InputTokens+resp.Usage.OutputTokens {
		t.Errorf("usage %+v", resp.Usage)
	}
	got := f.collect()
	if v, _ := sumValue(t, got, m.RequestsTotal, map[string]string{m.LabelModel: testModel, m.LabelStatus: m.StatusSuccess}); v != 1 {
		t.Errorf("success requests = %d, want 1", v)
	}
	if resp.Usage.CachedInputTokens != 0 || resp.Usage.ReasoningTokens != 0 {
		t.Errorf("usage %+v: a short prompt to %s has no cached nor reasoning tokens", resp.Usage, testModel)
	}
	for tokenType, want := range map[string]int64{
		m.TokenInput: resp.Usage.InputTokens, m.TokenOutput: resp.Usage.OutputTokens, m.TokenTotal: resp.Usage.TotalTokens,
		m.TokenCachedInput: 0, m.TokenReasoning: 0,
	} {
		if v, ok := sumValue(t, got, m.TokensTotal, map[string]string{m.LabelModel: testModel, m.LabelTokenType: tokenType}); !ok || v != want {
			t.Errorf("tokens{%s} = %d (found %v), want %d (the response's usage)", tokenType, v, ok, want)
		}
	}
	reqLabels := map[string]string{m.LabelModel: testModel, m.LabelLimitType: m.LimitRequests}
	tokLabels := map[string]string{m.LabelModel: testModel, m.LabelLimitType: m.LimitTokens}
	limit, _ := gaugeValue(t, got, m.RateLimitRequestsLimit, reqLabels)
	remaining, _ := gaugeValue(t, got, m.RateLimitRequestsRemaining, reqLabels)
	if limit <= 0 || remaining != limit-1 {
		t.Errorf("requests limit %v remaining %v: want remaining = limit - 1 after one request", limit, remaining)
	}
	tokLimit, _ := gaugeValue(t, got, m.RateLimitTokensLimit, tokLabels)
	tokRemaining, _ := gaugeValue(t, got, m.RateLimitTokensRemaining, tokLabels)
	if tokLimit <= 0 || tokRemaining >= tokLimit {
		t.Errorf("tokens limit %v remaining %v: want the request's tokens taken", tokLimit, tokRemaining)
	}
	if _, ok := gaugeValue(t, got, m.RateLimitRequestsResetSeconds, reqLabels); !ok {
		t.Error("request reset gauge not set")
	}
}

// longSystemPrompt is a system prompt of well over 1024 tokens, as the
// simulator counts them (four characters a token): requests that share it
// share a cacheable prefix.
var longSystemPrompt = strings.Repeat("You write listing titles for second-hand goods; keep brand names and sizes. ", 80)

// TestChatRecordsCachedAndReasoningTokens: a reasoning model asked twice
// with the same long prompt, through go-openai over HTTP: the second answer
// reads the prompt from the simulator's cache; both reason. The metrics
// count exactly the answers' cached and reasoning tokens.
func TestChatRecordsCachedAndReasoningTokens(t *testing.T) {
	const model = "o4-mini"
	_, url := simtest.Start(t, openaisim.Config{})
	mr := newMeterReaderFor(t, model)
	p := New(Config{APIKey: config.Secret(testKey), BaseURL: url, Model: model, Timeout: 5 * time.Second}, mr.recorder)
	var sum Usage
	for i := range 2 {
		resp, err := p.Chat(context.Background(), Request{Messages: []Message{
			{Role: RoleSystem, Content: longSystemPrompt},
			{Role: RoleUser, Content: "Generate a listing title for a brass desk lamp"},
		}, MaxTokens: 2000})
		if err != nil {
			t.Fatal(err)
		}
		u := resp.Usage
		if u.InputTokens < 1500 || u.ReasoningTokens <= 0 || u.ReasoningTokens >= u.OutputTokens {
			t.Errorf("answer %d: usage %+v, want a prompt over 1500 tokens and reasoning a part of the output", i, u)
		}
		if wantCached := i == 1; (u.CachedInputTokens > 0) != wantCached || u.CachedInputTokens > u.InputTokens {
			t.Errorf("answer %d: %d cached of %d input tokens, want cached %v", i, u.CachedInputTokens, u.InputTokens, wantCached)
		}
		sum.InputTokens += u.InputTokens
		sum.OutputTokens += u.OutputTokens
		sum.TotalTokens += u.TotalTokens
		sum.CachedInputTokens += u.CachedInputTokens
		sum.ReasoningTokens += u.ReasoningTokens
	}
	got := mr.collect()
	for tokenType, want := range map[string]int64{
		m.TokenInput: sum.InputTokens, m.TokenOutput: sum.OutputTokens, m.TokenTotal: sum.TotalTokens,
		m.TokenCachedInput: sum.CachedInputTokens, m.TokenReasoning: sum.ReasoningTokens,
	} {
		if v, ok := sumValue(t, got, m.TokensTotal, map[string]string{m.LabelModel: model, m.LabelTokenType: tokenType}); !ok || v != want {
			t.Errorf("tokens{%s} = %d (found %v), want %d, the answers' sum", tokenType, v, ok, want)
		}
	}
}

func TestChatRetries(t *testing.T) {
	for _, tc := range []struct {
		name       string
		script     []openaisim.Fault
		maxRetries int
		wantErr    string // error type, "" for success
		wantStatus int
		wantCounts map[string]int64 // by error type, "" = success
		wantWaits  int
	}{
		{"5xx then success", []openaisim.Fault{openaisim.Fault500, openaisim.Fault503}, 2, "", 0,
			map[string]int64{"": 1, m.ErrorProviderUnavailable: 2}, 2},
		{"html 502 until retries run out", []openaisim.Fault{openaisim.Fault502, openaisim.Fault502, openaisim.Fault502}, 2,
			m.ErrorProviderUnavailable, 502, map[string]int64{m.ErrorProviderUnavailable: 3}, 2},
		{"429 honours retry-after", []openaisim.Fault{openaisim.Fault429}, 2, "", 0,
			map[string]int64{"": 1, m.ErrorRateLimited: 1}, 1},
		{"401 is not retried", []openaisim.Fault{openaisim.Fault401, openaisim.Fault401}, 2, m.ErrorUnauthorized, 401,
			map[string]int64{m.ErrorUnauthorized: 1}, 0},
		{"no retries configured", []openaisim.Fault{openaisim.Fault500}, 0, m.ErrorProviderUnavailable, 500,
			map[string]int64{m.ErrorProviderUnavailable: 1}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newSimFixture(t, openaisim.Config{}, tc.maxRetries, 5*time.Second)
			if err := f.sim.Script(tc.script...); err != nil {
				t.Fatal(err)
			}
			resp, err := f.chat(t)
			var perr *Error
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("error %v, want success", err)
			case tc.wantErr != "" && !errors.As(err, &perr):
				t.Fatalf("error %v (%T), want *Error %s", err, err, tc.wantErr)
			case tc.wantErr != "" && (perr.Kind.Label() != tc.wantErr || perr.StatusCode != tc.wantStatus):
				t.Fatalf("error type %s status %d, want %s %d", perr.Kind, perr.StatusCode, tc.wantErr, tc.wantStatus)
			}
			attempts := resp.Attempts
			if perr != nil {
				attempts = perr.Attempts
			}
			var total int64
			for errorType, want := range tc.wantCounts {
				total += want
				if got := f.requests(t, errorType); got != want {
					t.Errorf("requests{error_type=%q} = %d, want %d", errorType, got, want)
				}
			}
			if int64(attempts) != total || f.sim.Stats().Received != total {
				t.Errorf("attempts %d, simulator received %d, metrics counted %d: every attempt is one API request",
					attempts, f.sim.Stats().Received, total)
			}
			if len(f.waits) != tc.wantWaits {
				t.Errorf("waited %d times (%v), want %d", len(f.waits), f.waits, tc.wantWaits)
			}
			for i, w := range f.waits {
				if tc.name == "429 honours retry-after" && w != time.Second {
					t.Errorf("wait %d = %v, want the 1s of retry-after", i, w)
				}
				if tc.name != "429 honours retry-after" {
					step := DefaultBackoff().Initial << i
					if w < step/2 || w > step {
						t.Errorf("backoff %d = %v, want within [%v, %v]", i, w, step/2, step)
					}
				}
			}
			if perr != nil && strings.Contains(perr.Error(), testKey) {
				t.Errorf("error leaks the key: %v", perr)
			}
		})
	}
}

func TestChatProviderError(t *testing.T) {
	// A 400 from OpenAI (here, a role it does not know) is PROVIDER_ERROR and
	// is not retried.
	f := newSimFixture(t, openaisim.Config{}, 2, 5*time.Second)
	_, err := f.provider.Chat(context.Background(), Request{Messages: []Message{{Role: "robot", Content: "hi"}}})
	var perr *Error
	if !errors.As(err, &perr) || perr.Kind != KindProviderError || perr.StatusCode != 400 || perr.Attempts != 1 {
		t.Fatalf("got %v, want a PROVIDER_ERROR 400 after 1 attempt", err)
	}
	if got := f.requests(t, m.ErrorProviderError); got != 1 {
		t.Errorf("PROVIDER_ERROR requests = %d, want 1", got)
	}
}

func TestChatTimeout(t *testing.T) {
	// A hang past the timeout is PROVIDER_UNAVAILABLE; no time is left to retry.
	f := newSimFixture(t, openaisim.Config{}, 2, 200*time.Millisecond)
	if err := f.sim.Script(openaisim.FaultHang); err != nil {
		t.Fatal(err)
	}
	_, err := f.chat(t)
	var perr *Error
	if !errors.As(err, &perr) || perr.Kind != KindProviderUnavailable || perr.Attempts != 1 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want PROVIDER_UNAVAILABLE after 1 attempt by deadline", err)
	}
	if got := f.requests(t, m.ErrorProviderUnavailable); got != 1 {
		t.Errorf("PROVIDER_UNAVAILABLE requests = %d, want 1", got)
	}
	dp, ok := histogramPoint(t, f.collect(), map[string]string{m.LabelModel: testModel, m.LabelStatus: m.StatusError})
	if !ok || dp.Count != 1 || dp.Sum < 0.2 {
		t.Errorf("timeout duration %+v: want one observation of at least the timeout", dp)
	}
}

func TestChatConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens there now
	f := &simFixture{meterReader: newMeterReader(t)}
	f.provider = f.newProvider("http://"+addr+"/v1", 2, 5*time.Second)
	_, err = f.chat(t)
	var perr *Error
	if !errors.As(err, &perr) || perr.Kind != KindProviderUnavailable || perr.Attempts != 3 || perr.StatusCode != 0 {
		t.Fatalf("got %v, want PROVIDER_UNAVAILABLE after 3 attempts", err)
	}
	if got := f.requests(t, m.ErrorProviderUnavailable); got != 3 {
		t.Errorf("PROVIDER_UNAVAILABLE requests = %d, want 3", got)
	}
	if !strings.Contains(perr.Error(), "connection refused") {
		t.Errorf("error %q does not say why", perr)
	}
}

func TestChatRateLimitExhausted(t *testing.T) {
	// Two requests per window: the third gets a real 429 whose rate-limit
	// headers are recorded (remaining 0) along with the error.
	f := newSimFixture(t, openaisim.Config{RateLimits: openaisim.RateLimits{Requests: 2, RequestWindow: time.Hour}}, 0, 5*time.Second)
	for range 2 {
		if _, err := f.chat(t); err != nil {
			t.Fatal(err)
		}
	}
	_, err := f.chat(t)
	var perr *Error
	if !errors.As(err, &perr) || perr.Kind != KindRateLimited || perr.RetryAfter <= 0 {
		t.Fatalf("got %v, want RATE_LIMITED with a retry-after", err)
	}
	reqLabels := map[string]string{m.LabelModel: testModel, m.LabelLimitType: m.LimitRequests}
	got := f.collect()
	if v, ok := gaugeValue(t, got, m.RateLimitRequestsRemaining, reqLabels); !ok || v != 0 {
		t.Errorf("remaining requests = %v (set %v), want 0 from the 429's headers", v, ok)
	}
	if v, _ := gaugeValue(t, got, m.RateLimitRequestsLimit, reqLabels); v != 2 {
		t.Errorf("request limit = %v, want 2", v)
	}
	if f.requests(t, m.ErrorRateLimited) != 1 || f.requests(t, "") != 2 {
		t.Error("want 2 successes and 1 RATE_LIMITED")
	}
}

func TestRetryAfterHeaders(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		h    []string
		want time.Duration
	}{
		{[]string{"retry-after-ms", "1500", "retry-after", "9"}, 1500 * time.Millisecond},
		{[]string{"retry-after", "2"}, 2 * time.Second},
		{[]string{"retry-after", "0.5"}, 500 * time.Millisecond},
		{[]string{"retry-after", now.Add(3 * time.Second).Format("Mon, 02 Jan 2006 15:04:05 GMT")}, 3 * time.Second},
		{[]string{"retry-after", "soon"}, 0},
		{[]string{"retry-after", "-4"}, 0},
		{nil, 0},
		// Parsed without overflow: NaN, Inf and negative ask for no wait, a
		// longer wait than maxRetryAfter is clamped to it.
		{[]string{"retry-after", "1e308"}, maxRetryAfter},
		{[]string{"retry-after", "1e400"}, maxRetryAfter},
		{[]string{"retry-after", "Inf"}, 0},
		{[]string{"retry-after", "+Inf"}, 0},
		{[]string{"retry-after", "NaN"}, 0},
		{[]string{"retry-after", "-1e308"}, 0},
		{[]string{"retry-after", "3600"}, maxRetryAfter},
		{[]string{"retry-after", "3599.5"}, 3599500 * time.Millisecond},
		{[]string{"retry-after", "9223372036.854775807"}, maxRetryAfter},
		{[]string{"retry-after-ms", "1E20"}, maxRetryAfter},
		{[]string{"retry-after-ms", "9223372036854775807"}, maxRetryAfter},
		{[]string{"retry-after-ms", "NaN", "retry-after", "2"}, 2 * time.Second},
		{[]string{"retry-after-ms", "Inf", "retry-after", "2"}, 2 * time.Second},
		{[]string{"retry-after-ms", "-5", "retry-after", "2"}, 2 * time.Second},
		{[]string{"retry-after-ms", "250"}, 250 * time.Millisecond},
		{[]string{"retry-after", "Fri, 31 Dec 9999 23:59:59 GMT"}, maxRetryAfter},
		{[]string{"retry-after", now.Add(2 * time.Hour).Format(http.TimeFormat)}, maxRetryAfter},
		{[]string{"retry-after", now.Add(-time.Hour).Format(http.TimeFormat)}, 0},
		{[]string{"retry-after", "Mon, 01 Jan 0001 00:00:00 GMT"}, 0},
	} {
		if got := retryAfter(header(tc.h...), now); got != tc.want {
			t.Errorf("%v → %v, want %v", tc.h, got, tc.want)
		}
	}
}
