package retry

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The headers a server asks for a wait with, as http.Header keys them.
const (
	// HeaderRetryAfterMs is OpenAI's: the wait in milliseconds.
	HeaderRetryAfterMs = "Retry-After-Ms"
	// HeaderRetryAfter is RFC 9110's (section 10.2.3): delay-seconds or an
	// HTTP date.
	HeaderRetryAfter = "Retry-After"
)

// Verdict is what became of one header read for a wait.
type Verdict uint8

const (
	// VerdictAbsent: the header is absent or blank, or was not read
	// (retry-after-ms gave the wait).
	VerdictAbsent Verdict = iota
	// VerdictKept: read as sent. A date in the past is kept as no wait.
	VerdictKept
	// VerdictMalformed: neither a number of the form asked for nor an
	// HTTP date; NaN and Inf are malformed.
	VerdictMalformed
	// VerdictNegative: a negative number.
	VerdictNegative
	// VerdictTooLong: a wait longer than the limit, however long, beyond
	// what a time.Duration holds included.
	VerdictTooLong
)

// Noted tells whether the value was not taken as sent (ignored, or longer
// than the limit): what a caller that logs untrusted values logs.
func (v Verdict) Noted() bool { return v >= VerdictMalformed }

func (v Verdict) String() string {
	switch v {
	case VerdictAbsent:
		return "absent"
	case VerdictKept:
		return "kept"
	case VerdictMalformed:
		return "malformed"
	case VerdictNegative:
		return "negative"
	case VerdictTooLong:
		return "too long"
	}
	return "Verdict(" + strconv.Itoa(int(v)) + ")"
}

// Numbers says how the number of a wait may be written.
type Numbers uint8

const (
	// WholeNumbers: ASCII digits only, as RFC 9110 writes delay-seconds
	// ("120"). A sign, a fraction or an exponent makes the value
	// malformed ("-" and digits: negative).
	WholeNumbers Numbers = iota
	// DecimalNumbers: any number strconv.ParseFloat reads, fractions and
	// exponents included ("0.5", "1e3"), as OpenAI's values are read; NaN
	// and Inf are malformed.
	DecimalNumbers
)

// RetryAfter is the wait an answer's headers ask for.
type RetryAfter struct {
	// Wait is in [0, limit]; it is limit when TooLong.
	Wait time.Duration
	// TooLong: the header that gave the wait asked for longer than limit.
	TooLong bool
	// From is the header the wait was read from, HeaderRetryAfterMs or
	// HeaderRetryAfter; "" when neither gave one.
	From string
	// Millis is the verdict on retry-after-ms, Seconds on Retry-After (in
	// seconds or as a date).
	Millis, Seconds Verdict
}

// ReadRetryAfter reads the wait h asks for: retry-after-ms, then
// Retry-After in seconds or as an HTTP date, each value trimmed of spaces
// and its numbers written as numbers says. retry-after-ms gives the wait
// when it asks for more than none (or too long a wait); otherwise
// Retry-After decides. A date is compared with now; one past asks for no
// wait.
//
// The values are untrusted: each is compared with limit before it is
// converted, so that none overflows a Duration, whatever it holds (NaN,
// Inf, 1e308, a hundred digits, a negative number, the year 9999). A wait
// longer than limit reads as limit, with TooLong set: whether to wait that
// long (clamp) or to stop retrying is the caller's policy. A limit of 0 or
// less is no limit but the range of a Duration.
//
// It does not allocate unless a value is malformed or a date.
func ReadRetryAfter(h http.Header, now time.Time, limit time.Duration, numbers Numbers) RetryAfter {
	if limit <= 0 {
		limit = math.MaxInt64
	}
	var r RetryAfter
	if raw := headerValue(h, HeaderRetryAfterMs); raw != "" {
		r.Wait, r.Millis = readNumber(raw, time.Millisecond, limit, numbers)
		if r.Millis == VerdictTooLong || r.Millis == VerdictKept && r.Wait > 0 {
			r.TooLong, r.From = r.Millis == VerdictTooLong, HeaderRetryAfterMs
			return r
		}
		r.Wait = 0
	}
	raw := headerValue(h, HeaderRetryAfter)
	if raw == "" {
		return r
	}
	r.Wait, r.Seconds = readNumber(raw, time.Second, limit, numbers)
	if r.Seconds == VerdictMalformed {
		r.Wait, r.Seconds = readDate(raw, now, limit)
	}
	switch r.Seconds {
	case VerdictKept, VerdictTooLong:
		r.TooLong, r.From = r.Seconds == VerdictTooLong, HeaderRetryAfter
	default:
		r.Wait = 0
	}
	return r
}

// readNumber reads raw as a count of unit: the wait, in [0, limit], and
// the verdict. limit is positive.
func readNumber(raw string, unit, limit time.Duration, numbers Numbers) (time.Duration, Verdict) {
	if numbers == DecimalNumbers {
		return readDecimal(raw, unit, limit)
	}
	digits, negative := strings.CutPrefix(raw, "-")
	if !isDigits(digits) {
		return 0, VerdictMalformed
	}
	if negative {
		return 0, VerdictNegative
	}
	// most ≤ MaxInt64/unit: n*10 + 9 cannot overflow for unit ≥ 1ms.
	most := int64(limit / unit)
	var n int64
	for i := 0; i < len(digits); i++ {
		if n > most/10 {
			return limit, VerdictTooLong
		}
		n = n*10 + int64(digits[i]-'0')
		if n > most {
			return limit, VerdictTooLong
		}
	}
	return time.Duration(n) * unit, VerdictKept
}

// readDecimal is readNumber for DecimalNumbers.
func readDecimal(raw string, unit, limit time.Duration) (time.Duration, Verdict) {
	f, err := strconv.ParseFloat(raw, 64)
	switch {
	case isRangeError(err) && f > 0:
		return limit, VerdictTooLong
	case isRangeError(err) && f < 0:
		return 0, VerdictNegative
	case err != nil, math.IsNaN(f), math.IsInf(f, 0):
		return 0, VerdictMalformed
	case f < 0:
		return 0, VerdictNegative
	}
	// The product, which may be +Inf, is compared before it is converted.
	ns := f * float64(unit)
	if ns >= 1<<63 {
		return limit, VerdictTooLong // longer than any Duration, limit included
	}
	d := time.Duration(ns) // toward zero: below ns by less than 1ns
	if d > limit || d == limit && float64(d) != ns {
		return limit, VerdictTooLong
	}
	return d, VerdictKept
}

// readDate reads raw as an HTTP date.
func readDate(raw string, now time.Time, limit time.Duration) (time.Duration, Verdict) {
	at, err := http.ParseTime(raw)
	switch {
	case err != nil:
		return 0, VerdictMalformed
	case !at.After(now):
		return 0, VerdictKept
	case at.After(now.Add(limit)):
		return limit, VerdictTooLong
	}
	return min(at.Sub(now), limit), VerdictKept
}

// isDigits reports whether s is one or more ASCII digits, the only form of
// delay-seconds (RFC 9110, 10.2.3).
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// isRangeError tells whether err is strconv's out-of-range error.
func isRangeError(err error) bool {
	numErr, ok := err.(*strconv.NumError)
	return ok && numErr.Err == strconv.ErrRange
}

// headerValue is the first value of h's key, trimmed, without allocating.
func headerValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return strings.TrimSpace(v[0])
	}
	return ""
}
