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
// present only when its header was there, well formed, not negative and
// within its bound (counts up to maxRateLimitCount, resets up to
// maxRateLimitReset): a missing, malformed or implausible header leaves its
// gauge as it was, and a negative value means unknown.
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

	// ignored has bit i set when rateLimitHeaders[i] was there but ignored.
	ignored uint8
}

// Value is an optional measurement.
type Value struct {
	V  float64
	OK bool
}

// rateLimitHeader is one x-ratelimit-* header and how its value parses.
type rateLimitHeader struct {
	key   string
	parse func(raw string) (Value, verdict)
}

// rateLimitHeaders lists the headers in the order of RateLimits' fields.
var rateLimitHeaders = [...]rateLimitHeader{
	{headerLimitRequests, parseCount},
	{headerLimitTokens, parseCount},
	{headerRemainingRequests, parseCount},
	{headerRemainingTokens, parseCount},
	{headerResetRequests, parseSeconds},
	{headerResetTokens, parseSeconds},
}

// ParseRateLimits reads the rate-limit headers of h, which may be nil.
func ParseRateLimits(h http.Header) RateLimits {
	if len(h) == 0 {
		return RateLimits{}
	}
	var rl RateLimits
	for i, field := range [...]*Value{
		&rl.LimitRequests, &rl.LimitTokens, &rl.RemainingRequests,
		&rl.RemainingTokens, &rl.ResetRequests, &rl.ResetTokens,
	} {
		v, what := rateLimitHeaders[i].parse(headerValue(h, rateLimitHeaders[i].key))
		*field = v
		if what.noted() {
			rl.ignored |= 1 << i
		}
	}
	return rl
}

// parseCount parses a whole number in [0, maxRateLimitCount].
func parseCount(raw string) (Value, verdict) {
	if raw == "" {
		return Value{}, verdictAbsent
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	switch {
	case isRangeError(err):
		if strings.HasPrefix(raw, "-") {
			return Value{}, verdictNegative
		}
		return Value{}, verdictTooLarge
	case err != nil:
		return Value{}, verdictMalformed
	case n < 0:
		return Value{}, verdictNegative
	case n > maxRateLimitCount:
		return Value{}, verdictTooLarge
	}
	return Value{V: float64(n), OK: true}, verdictKept
}

// parseSeconds parses a reset time as OpenAI sends it, a Go-style duration
// such as "1s", "6m0s" or "20ms", or a bare number of seconds, in
// [0, maxRateLimitReset].
func parseSeconds(raw string) (Value, verdict) {
	if raw == "" {
		return Value{}, verdictAbsent
	}
	if d, err := time.ParseDuration(raw); err == nil {
		switch {
		case d < 0:
			return Value{}, verdictNegative
		case d > maxRateLimitReset:
			return Value{}, verdictTooLarge
		}
		return Value{V: d.Seconds(), OK: true}, verdictKept
	}
	f, v := parseFloat(raw)
	switch {
	case v != verdictKept:
		return Value{}, v
	case f > maxRateLimitResetSeconds:
		return Value{}, verdictTooLarge
	}
	return Value{V: f, OK: true}, verdictKept
}

// parseFloat parses a finite, non-negative number. A number too large for a
// float64 is verdictTooLarge; Inf and NaN written out are malformed.
func parseFloat(raw string) (float64, verdict) {
	f, err := strconv.ParseFloat(raw, 64)
	switch {
	case isRangeError(err) && f > 0:
		return 0, verdictTooLarge
	case isRangeError(err) && f < 0:
		return 0, verdictNegative
	case err != nil, math.IsNaN(f), math.IsInf(f, 0):
		return 0, verdictMalformed
	case f < 0:
		return 0, verdictNegative
	}
	return f, verdictKept
}

// isRangeError tells whether err is strconv's out-of-range error.
func isRangeError(err error) bool {
	numErr, ok := err.(*strconv.NumError)
	return ok && numErr.Err == strconv.ErrRange
}

// headerValue reads a header by its canonical key without allocating.
func headerValue(h http.Header, key string) string {
	v := h[key]
	if len(v) == 0 {
		return ""
	}
	return strings.TrimSpace(v[0])
}
