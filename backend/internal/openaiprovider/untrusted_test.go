package openaiprovider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/scanium/openai-monitoring/backend/config"
	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// debugLog is a JSON logger at debug level whose lines a test reads back.
type debugLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (d *debugLog) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.buf.Write(p)
}

func (d *debugLog) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(d, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (d *debugLog) text() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.buf.String()
}

// lines returns the log lines, decoded.
func (d *debugLog) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(d.text()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, rec)
	}
	return out
}

// answerWith serves a chat completion with this usage and these headers.
func answerWith(t *testing.T, status int, body string, kv ...string) *handlerServer {
	t.Helper()
	return newHandlerServer(t, func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(kv); i += 2 {
			w.Header().Set(kv[i], kv[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = fmt.Fprint(w, body)
	})
}

// TestParseRateLimitsAllocations: sane headers parse without allocating.
func TestParseRateLimitsAllocations(t *testing.T) {
	h := fullRateLimitHeader()
	if n := testing.AllocsPerRun(1000, func() { _ = ParseRateLimits(h) }); n != 0 {
		t.Errorf("ParseRateLimits allocates %.1f times per call, want 0", n)
	}
	u := newUntrustedValues(nil, config.Secret(testKey))
	ra := header("retry-after-ms", "1500", "retry-after", "2")
	if n := testing.AllocsPerRun(1000, func() { _ = u.retryAfter(context.Background(), ra, time.Time{}) }); n != 0 {
		t.Errorf("retryAfter allocates %.1f times per call, want 0", n)
	}
	usage := completionUsage(1500, 300, 1800)
	usage.PromptTokensDetails = &openai.PromptTokensDetails{CachedTokens: 1408}
	usage.CompletionTokensDetails = &openai.CompletionTokensDetails{ReasoningTokens: 240}
	if n := testing.AllocsPerRun(1000, func() { _ = u.usage(context.Background(), usage) }); n != 0 {
		t.Errorf("usage allocates %.1f times per call, want 0", n)
	}
}

func completionUsage(prompt, completion, total int) openai.Usage {
	return openai.Usage{PromptTokens: prompt, CompletionTokens: completion, TotalTokens: total}
}

// TestChatHugeRateLimit: x-ratelimit-limit-requests at MaxInt64 used to be
// exported as -9.22e18 (float64 and back to int64). It is ignored: the gauge
// keeps the last plausible value.
func TestChatHugeRateLimit(t *testing.T) {
	limit := "10000"
	s := newHandlerServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("x-ratelimit-limit-requests", limit)
		w.Header().Set("x-ratelimit-remaining-tokens", limit)
		writeCompletion(w)
	})
	f := newFixtureAt(t, s.URL+"/v1", Config{})
	for _, l := range []string{"10000", strconv.FormatInt(math.MaxInt64, 10)} {
		limit = l
		if _, err := f.chat(t); err != nil {
			t.Fatal(err)
		}
	}
	got := f.collect()
	for _, g := range []struct{ name, limitType string }{
		{m.RateLimitRequestsLimit, m.LimitRequests}, {m.RateLimitTokensRemaining, m.LimitTokens},
	} {
		if v, ok := gaugeValue(t, got, g.name, map[string]string{m.LabelModel: testModel, m.LabelLimitType: g.limitType}); !ok || v != 10000 {
			t.Errorf("%s = %v (set %v), want 10000: the value out of bounds is ignored", g.name, v, ok)
		}
	}
}

// TestChatImplausibleUsage: a usage of MaxInt64 used to wrap
// the token counter. Counts out of [0, maxUsageTokens] are ignored: not
// counted, reported as 0, and logged.
func TestChatImplausibleUsage(t *testing.T) {
	s := answerWith(t, http.StatusOK, completionJSON(math.MaxInt64, 30, -3))
	var log debugLog
	f := newFixtureAt(t, s.URL+"/v1", Config{Logger: log.logger()})
	for range 2 {
		resp, err := f.chat(t)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Usage != (Usage{OutputTokens: 30}) {
			t.Errorf("usage %+v, want only the 30 output tokens", resp.Usage)
		}
	}
	got := f.collect()
	for tokenType, want := range map[string]int64{m.TokenInput: 0, m.TokenOutput: 60, m.TokenTotal: 0} {
		if v, _ := sumValue(t, got, m.TokensTotal, map[string]string{m.LabelModel: testModel, m.LabelTokenType: tokenType}); v != want {
			t.Errorf("tokens{%s} = %d, want %d", tokenType, v, want)
		}
	}
	lines := log.lines(t)
	want := []struct{ field, value string }{
		{"usage.prompt_tokens", "9223372036854775807"}, {"usage.total_tokens", "-3"},
		{"usage.prompt_tokens", "9223372036854775807"}, {"usage.total_tokens", "-3"},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d log lines, want %d:\n%s", len(lines), len(want), log.text())
	}
	for i, w := range want {
		l := lines[i]
		if l["level"] != "DEBUG" || l["field"] != w.field || l["value"] != w.value || l["ignored_values"] != float64(i+1) {
			t.Errorf("log line %d = %v, want field %s value %s count %d at debug", i, l, w.field, w.value, i+1)
		}
	}
}

// TestChatAbsurdRetryAfter: a 429 asking for an absurd wait used to be
// retried at once (the float-to-Duration conversion overflowed) and passed
// on unchanged. The wait is clamped to maxRetryAfter, which is too long to
// wait within a call: one attempt, and the error reports the clamped wait.
func TestChatAbsurdRetryAfter(t *testing.T) {
	for _, h := range [][]string{
		{"Retry-After", "1e308"},
		{"Retry-After-Ms", "1E20"},
		{"Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT"},
	} {
		t.Run(h[0]+"="+h[1], func(t *testing.T) {
			s := answerWith(t, http.StatusTooManyRequests,
				`{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`, h...)
			var log debugLog
			f := newFixtureAt(t, s.URL+"/v1", Config{MaxRetries: 2, Logger: log.logger()})
			_, err := f.chat(t)
			var perr *Error
			if !errors.As(err, &perr) || perr.Kind != KindRateLimited || perr.Attempts != 1 || s.hits.Load() != 1 {
				t.Fatalf("got %v after %d requests, want one RATE_LIMITED attempt", err, s.hits.Load())
			}
			if perr.RetryAfter != maxRetryAfter || len(f.waits) != 0 {
				t.Errorf("retry-after %v, waits %v: want %v reported and no wait", perr.RetryAfter, f.waits, maxRetryAfter)
			}
			if !strings.Contains(log.text(), `"field":"`+strings.ToLower(h[0])+`"`) || !strings.Contains(log.text(), "clamped") {
				t.Errorf("log %q does not tell the clamped header", log.text())
			}
		})
	}
}

// TestIgnoredValuesLog: one debug line per ignored or clamped value, with
// the header's name, the value cut to about 32 characters, and a running
// count; a value that echoes the key is withheld; sane values log nothing.
func TestIgnoredValuesLog(t *testing.T) {
	long := strings.Repeat("9", 40)
	s := answerWith(t, http.StatusTooManyRequests, `{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}`,
		"x-ratelimit-limit-requests", long,
		"x-ratelimit-limit-tokens", "Bearer "+testKey,
		"x-ratelimit-remaining-requests", "-1",
		"x-ratelimit-remaining-tokens", "1500000",
		"x-ratelimit-reset-requests", "soon",
		"x-ratelimit-reset-tokens", "1s",
		"retry-after", "1e308",
	)
	var log debugLog
	f := newFixtureAt(t, s.URL+"/v1", Config{Logger: log.logger()})
	if _, err := f.chat(t); err == nil {
		t.Fatal("want the 429")
	}
	want := []struct{ field, value, reason string }{
		{"x-ratelimit-limit-requests", strings.Repeat("9", 32) + "…", "too large"},
		{"x-ratelimit-limit-tokens", "(withheld: resembles the API key)", "malformed"},
		{"x-ratelimit-remaining-requests", "-1", "negative"},
		{"x-ratelimit-reset-requests", "soon", "malformed"},
		{"retry-after", "1e308", "too large, clamped to 1h0m0s"},
	}
	lines := log.lines(t)
	if len(lines) != len(want) {
		t.Fatalf("%d log lines, want %d:\n%s", len(lines), len(want), log.text())
	}
	for i, w := range want {
		l := lines[i]
		if l["level"] != "DEBUG" || l["field"] != w.field || l["value"] != w.value || l["reason"] != w.reason || l["ignored_values"] != float64(i+1) {
			t.Errorf("log line %d = %v, want field %s value %q reason %q count %d", i, l, w.field, w.value, w.reason, i+1)
		}
	}
	if strings.Contains(log.text(), testKey[:8]) || strings.Contains(log.text(), "slow down") {
		t.Errorf("log shows the key or OpenAI's message:\n%s", log.text())
	}

	var quiet debugLog
	sane := newHandlerServer(t, func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range fullRateLimitHeader() {
			w.Header()[k] = v
		}
		writeCompletion(w)
	})
	if _, err := newFixtureAt(t, sane.URL+"/v1", Config{Logger: quiet.logger()}).chat(t); err != nil || quiet.text() != "" {
		t.Errorf("sane answer: error %v, log %q; want neither", err, quiet.text())
	}
}

func TestLoggedValueShown(t *testing.T) {
	u := newUntrustedValues(nil, config.Secret(testKey))
	for _, tc := range []struct{ raw, want string }{
		{"42", "42"},
		{strings.Repeat("a", 32), strings.Repeat("a", 32)},
		{strings.Repeat("a", 33), strings.Repeat("a", 32) + "…"},
		{strings.Repeat("é", 20), strings.Repeat("é", 16) + "…"},
		{"x" + testKey[4:11], "(withheld: resembles the API key)"},
	} {
		if got := u.shown(tc.raw); got != tc.want {
			t.Errorf("shown(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}

// completionWithUsage is a well-formed chat completion whose usage object is
// the JSON usage.
func completionWithUsage(usage string) string {
	return fmt.Sprintf(`{"id":"chatcmpl-1","object":"chat.completion","created":1767225600,"model":%q,`+
		`"choices":[{"index":0,"message":{"role":"assistant","content":"Brass desk lamp"},"finish_reason":"stop"}],`+
		`"usage":%s}`, testModel, usage)
}

// TestChatUsageDetails: cached and reasoning tokens come from the usage's
// details; absent or null details count 0 and their series still exist; a
// part larger than its whole, or out of bounds, counts 0 and is logged while
// the whole is kept.
func TestChatUsageDetails(t *testing.T) {
	for _, tc := range []struct {
		name  string
		usage string
		want  Usage
		log   []struct{ field, reason string }
	}{
		{"no details", `{"prompt_tokens":1200,"completion_tokens":100,"total_tokens":1300}`,
			Usage{InputTokens: 1200, OutputTokens: 100, TotalTokens: 1300}, nil},
		{"null details", `{"prompt_tokens":1200,"completion_tokens":100,"total_tokens":1300,"prompt_tokens_details":null,"completion_tokens_details":null}`,
			Usage{InputTokens: 1200, OutputTokens: 100, TotalTokens: 1300}, nil},
		{"details", `{"prompt_tokens":1200,"completion_tokens":100,"total_tokens":1300,` +
			`"prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":64,"audio_tokens":0}}`,
			Usage{InputTokens: 1200, OutputTokens: 100, TotalTokens: 1300, CachedInputTokens: 1024, ReasoningTokens: 64}, nil},
		{"parts equal to their wholes", `{"prompt_tokens":1152,"completion_tokens":100,"total_tokens":1252,` +
			`"prompt_tokens_details":{"cached_tokens":1152},"completion_tokens_details":{"reasoning_tokens":100}}`,
			Usage{InputTokens: 1152, OutputTokens: 100, TotalTokens: 1252, CachedInputTokens: 1152, ReasoningTokens: 100}, nil},
		{"parts larger than their wholes", `{"prompt_tokens":1200,"completion_tokens":100,"total_tokens":1300,` +
			`"prompt_tokens_details":{"cached_tokens":2048},"completion_tokens_details":{"reasoning_tokens":101}}`,
			Usage{InputTokens: 1200, OutputTokens: 100, TotalTokens: 1300},
			[]struct{ field, reason string }{
				{"usage.prompt_tokens_details.cached_tokens", "more than the count it is a part of"},
				{"usage.completion_tokens_details.reasoning_tokens", "more than the count it is a part of"},
			}},
		{"parts of an ignored whole", `{"prompt_tokens":-1,"completion_tokens":2000000000,"total_tokens":1300,` +
			`"prompt_tokens_details":{"cached_tokens":1024},"completion_tokens_details":{"reasoning_tokens":64}}`,
			Usage{TotalTokens: 1300},
			[]struct{ field, reason string }{
				{"usage.prompt_tokens", "negative"}, {"usage.completion_tokens", "too large"},
				{"usage.prompt_tokens_details.cached_tokens", "more than the count it is a part of"},
				{"usage.completion_tokens_details.reasoning_tokens", "more than the count it is a part of"},
			}},
		{"implausible parts", `{"prompt_tokens":1200,"completion_tokens":100,"total_tokens":1300,` +
			`"prompt_tokens_details":{"cached_tokens":-5},"completion_tokens_details":{"reasoning_tokens":9223372036854775807}}`,
			Usage{InputTokens: 1200, OutputTokens: 100, TotalTokens: 1300},
			[]struct{ field, reason string }{
				{"usage.prompt_tokens_details.cached_tokens", "negative"},
				{"usage.completion_tokens_details.reasoning_tokens", "too large"},
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := answerWith(t, http.StatusOK, completionWithUsage(tc.usage))
			var log debugLog
			f := newFixtureAt(t, s.URL+"/v1", Config{Logger: log.logger()})
			resp, err := f.chat(t)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Usage != tc.want {
				t.Errorf("usage %+v, want %+v", resp.Usage, tc.want)
			}
			got := f.collect()
			for tokenType, want := range map[string]int64{
				m.TokenInput: tc.want.InputTokens, m.TokenOutput: tc.want.OutputTokens, m.TokenTotal: tc.want.TotalTokens,
				m.TokenCachedInput: tc.want.CachedInputTokens, m.TokenReasoning: tc.want.ReasoningTokens,
			} {
				if v, ok := sumValue(t, got, m.TokensTotal, map[string]string{m.LabelModel: testModel, m.LabelTokenType: tokenType}); !ok || v != want {
					t.Errorf("tokens{%s} = %d (found %v), want %d", tokenType, v, ok, want)
				}
			}
			lines := log.lines(t)
			if len(lines) != len(tc.log) {
				t.Fatalf("%d log lines, want %d:\n%s", len(lines), len(tc.log), log.text())
			}
			for i, w := range tc.log {
				if l := lines[i]; l["field"] != w.field || l["reason"] != w.reason {
					t.Errorf("log line %d = %v, want field %s reason %q", i, l, w.field, w.reason)
				}
			}
		})
	}
}
