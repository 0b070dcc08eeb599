package openaiprovider

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/scanium/openai-monitoring/backend/config"
)

// Bounds on the numbers an answer carries. The server at the base URL is not
// trusted to send sane ones: a value out of bounds is ignored (or, for a wait,
// clamped), so that it can neither overflow a conversion nor distort a metric.
const (
	// maxRateLimitCount bounds x-ratelimit-{limit,remaining}-{requests,tokens}.
	// OpenAI's largest per-minute limits are in the hundreds of millions of
	// tokens; 1e12 is thousands of times above them, and far below 2^53, so a
	// count within it is exact as a float64 and converts back to int64 whole.
	maxRateLimitCount = 1e12
	// maxRateLimitReset bounds x-ratelimit-reset-{requests,tokens}. The
	// longest window OpenAI meters is a day (requests per day); three days
	// leave room for any proxy's rounding and nothing more.
	maxRateLimitReset = 72 * time.Hour
	// maxUsageTokens bounds each usage field of one answer. The largest
	// context windows are a few million tokens; a billion is hundreds of
	// times above, far from the int64 range the token counters add in.
	maxUsageTokens = 1_000_000_000
	// maxRetryAfter caps a retry-after-ms or Retry-After. It is longer than
	// maxHonouredRetryAfter, so a clamped wait is never waited for: the call
	// fails and reports this wait, which the HTTP API passes on as the
	// client's Retry-After.
	maxRetryAfter = time.Hour
)

// maxRateLimitResetSeconds is maxRateLimitReset as the gauges hold it.
var maxRateLimitResetSeconds = maxRateLimitReset.Seconds()

// verdict is what became of one value OpenAI sent.
type verdict uint8

const (
	verdictAbsent verdict = iota
	verdictKept
	verdictMalformed
	verdictNegative
	verdictTooLarge
	verdictClamped
	verdictExceedsWhole
)

// noted tells whether the value was ignored or clamped, and so is logged.
func (v verdict) noted() bool { return v >= verdictMalformed }

func (v verdict) String() string {
	switch v {
	case verdictAbsent:
		return "absent"
	case verdictKept:
		return "kept"
	case verdictMalformed:
		return "malformed"
	case verdictNegative:
		return "negative"
	case verdictTooLarge:
		return "too large"
	case verdictClamped:
		return "too large, clamped to " + maxRetryAfter.String()
	case verdictExceedsWhole:
		return "more than the count it is a part of"
	}
	return "verdict(" + strconv.Itoa(int(v)) + ")"
}

// maxLoggedValueBytes is how much of an ignored value the log line shows.
const maxLoggedValueBytes = 32

// keyOverlapBytes is the shortest run of the API key's characters that keeps
// a value out of the log: a hostile server may echo the key in a header.
const keyOverlapBytes = 6

// untrustedValues logs the values the provider ignored or clamped, one debug
// line each, with a running count. The lines carry the field's name and its
// value, shortened; never the key, never message text, and nothing goes into
// a metric label.
type untrustedValues struct {
	logger *slog.Logger
	key    config.Secret
	count  atomic.Int64
}

func newUntrustedValues(logger *slog.Logger, key config.Secret) *untrustedValues {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &untrustedValues{logger: logger, key: key}
}

// note counts one ignored or clamped value and logs it.
func (u *untrustedValues) note(ctx context.Context, field, raw string, v verdict) {
	n := u.count.Add(1)
	if !u.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	msg := "ignored a value from OpenAI"
	if v == verdictClamped {
		msg = "clamped a value from OpenAI"
	}
	u.logger.LogAttrs(ctx, slog.LevelDebug, msg,
		slog.String("field", field), slog.String("value", u.shown(raw)),
		slog.String("reason", v.String()), slog.Int64("ignored_values", n))
}

// shown is raw as a log line may show it: at most maxLoggedValueBytes, cut
// on a character boundary, and withheld if it shares a run of the key.
func (u *untrustedValues) shown(raw string) string {
	cut := raw
	if len(cut) > maxLoggedValueBytes {
		end := 0
		for i := range cut {
			if i > maxLoggedValueBytes {
				break
			}
			end = i
		}
		cut = cut[:end] + "…"
	}
	if sharesRun(cut, u.key.Reveal(), keyOverlapBytes) {
		return "(withheld: resembles the API key)"
	}
	return cut
}

// sharesRun tells whether s contains a run of n bytes of key, or all of a key
// shorter than n.
func sharesRun(s, key string, n int) bool {
	if key == "" {
		return false
	}
	if len(key) < n {
		return strings.Contains(s, key)
	}
	for i := 0; i+n <= len(key); i++ {
		if strings.Contains(s, key[i:i+n]) {
			return true
		}
	}
	return false
}

// rateLimits logs the rate-limit headers ParseRateLimits ignored.
func (u *untrustedValues) rateLimits(ctx context.Context, h http.Header, rl RateLimits) {
	for i, spec := range rateLimitHeaders {
		if rl.ignored&(1<<i) == 0 {
			continue
		}
		raw := headerValue(h, spec.key)
		_, v := spec.parse(raw)
		u.note(ctx, strings.ToLower(spec.key), raw, v)
	}
}

// usage is an answer's usage with each implausible count (negative, or above
// maxUsageTokens) read as 0, that is unknown: not counted, not reported.
//
// The details are parts of a whole: cached tokens of the prompt tokens,
// reasoning tokens of the completion tokens. Absent details read 0. A part
// larger than its whole (or than a whole read as 0) is inconsistent, and
// which of the two numbers is wrong cannot be told: the part reads 0 and is
// logged, the whole is kept. So cached_input never exceeds input, nor
// reasoning output, and a query that subtracts a part from its whole never
// goes negative.
func (u *untrustedValues) usage(ctx context.Context, in openai.Usage) Usage {
	out := Usage{
		InputTokens:  u.tokens(ctx, "usage.prompt_tokens", in.PromptTokens),
		OutputTokens: u.tokens(ctx, "usage.completion_tokens", in.CompletionTokens),
		TotalTokens:  u.tokens(ctx, "usage.total_tokens", in.TotalTokens),
	}
	if d := in.PromptTokensDetails; d != nil {
		out.CachedInputTokens = u.part(ctx, "usage.prompt_tokens_details.cached_tokens", d.CachedTokens, out.InputTokens)
	}
	if d := in.CompletionTokensDetails; d != nil {
		out.ReasoningTokens = u.part(ctx, "usage.completion_tokens_details.reasoning_tokens", d.ReasoningTokens, out.OutputTokens)
	}
	return out
}

func (u *untrustedValues) tokens(ctx context.Context, field string, n int) int64 {
	switch {
	case n < 0:
		u.note(ctx, field, strconv.Itoa(n), verdictNegative)
		return 0
	case !plausibleTokens(int64(n)):
		u.note(ctx, field, strconv.Itoa(n), verdictTooLarge)
		return 0
	}
	return int64(n)
}

// part is the count n of a detail that is a part of whole (as already
// read), or 0 when n is implausible or exceeds whole.
func (u *untrustedValues) part(ctx context.Context, field string, n int, whole int64) int64 {
	v := u.tokens(ctx, field, n)
	if v > whole {
		u.note(ctx, field, strconv.Itoa(n), verdictExceedsWhole)
		return 0
	}
	return v
}

// plausibleTokens tells whether n is a token count one answer can carry.
func plausibleTokens(n int64) bool { return n >= 0 && n <= maxUsageTokens }

// retryAfter is the wait OpenAI asks for, in [0, maxRetryAfter], logging
// the headers it ignored or clamped.
func (u *untrustedValues) retryAfter(ctx context.Context, h http.Header, now time.Time) time.Duration {
	r := readRetryAfter(h, now)
	if r.Millis.Noted() {
		u.note(ctx, "retry-after-ms", headerValue(h, headerRetryAfterMs), retryAfterVerdict(r.Millis))
	}
	if r.Seconds.Noted() {
		u.note(ctx, "retry-after", headerValue(h, headerRetryAfter), retryAfterVerdict(r.Seconds))
	}
	return r.Wait
}
