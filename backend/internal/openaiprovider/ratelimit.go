package openaiprovider

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// OpenAI's rate-limit response headers (x-ratelimit-*), in the canonical
// form net/http stores them under.
const (
	headerLimitRequests     = "X-Ratelimit-Limit-Requests"
	headerLimitTokens       = "X-Ratelimit-Limit-Tokens"
	headerRemainingRequests = "X-Ratelimit-Remaining-Requests"
	headerRemainingTokens   = "X-Ratelimit-Remaining-Tokens"
	headerResetRequests     = "X-Ratelimit-Reset-Requests"
	headerResetTokens       = "X-Ratelimit-Reset-Tokens"
)

// RateLimits holds the x-ratelimit-* headers of one response. Each value is
// present only when its header was there, well formed and not negative: a
// missing or malformed header leaves its gauge as it was, and a negative value
// means unknown.
//
// go-openai's GetRateLimitHeaders turns a missing or malformed header into 0,
// which would read as "no headroom"; hence this parser.
type RateLimits struct {
	LimitRequests     Value
	LimitTokens       Value
	RemainingRequests Value
	RemainingTokens   Value
	// ResetRequests and ResetTokens are in seconds.
	ResetRequests Value
	ResetTokens   Value
}

// Value is an optional measurement.
type Value struct {
	V  float64
	OK bool
}

// ParseRateLimits reads the rate-limit headers of h, which may be nil.
func ParseRateLimits(h http.Header) RateLimits {
	if len(h) == 0 {
		return RateLimits{}
	}
	return RateLimits{
		LimitRequests:     count(h, headerLimitRequests),
		LimitTokens:       count(h, headerLimitTokens),
		RemainingRequests: count(h, headerRemainingRequests),
		RemainingTokens:   count(h, headerRemainingTokens),
		ResetRequests:     seconds(h, headerResetRequests),
		ResetTokens:       seconds(h, headerResetTokens),
	}
}

// count parses a non-negative whole number.
func count(h http.Header, key string) Value {
	raw := headerValue(h, key)
	if raw == "" {
		return Value{}
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < 0 {
		return Value{}
	}
	return Value{V: float64(n), OK: true}
}

// seconds parses a reset time as OpenAI sends it: a Go-style duration such as
// "1s", "6m0s" or "20ms". A bare number is taken as seconds.
func seconds(h http.Header, key string) Value {
	raw := headerValue(h, key)
	if raw == "" {
		return Value{}
	}
	if d, err := time.ParseDuration(raw); err == nil {
		if d < 0 {
			return Value{}
		}
		return Value{V: d.Seconds(), OK: true}
	}
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return Value{}
	}
	return Value{V: f, OK: true}
}

// headerValue reads a header by its canonical key without allocating.
func headerValue(h http.Header, key string) string {
	v := h[key]
	if len(v) == 0 {
		return ""
	}
	return strings.TrimSpace(v[0])
}
