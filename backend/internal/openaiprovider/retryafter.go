package openaiprovider

import (
	"net/http"
	"time"
)

// The headers OpenAI asks for a wait with, canonical.
const (
	headerRetryAfterMs = "Retry-After-Ms"
	headerRetryAfter   = "Retry-After"
)

// retryAfterReading is the wait an answer asks for and what became of each
// header read for it.
type retryAfterReading struct {
	wait        time.Duration
	ms, seconds verdict
}

// retryAfter is how long OpenAI asks to wait, in [0, maxRetryAfter].
func retryAfter(h http.Header, now time.Time) time.Duration {
	return parseRetryAfter(h, now).wait
}

// parseRetryAfter reads retry-after-ms, then Retry-After in seconds or as an
// HTTP date. Numbers are compared before they are converted, so none
// overflows a Duration: NaN, Inf, negative and malformed values ask for no
// wait (the next header, or the backoff, decides), and a longer wait than
// maxRetryAfter is clamped to it.
func parseRetryAfter(h http.Header, now time.Time) retryAfterReading {
	var r retryAfterReading
	if raw := headerValue(h, headerRetryAfterMs); raw != "" {
		ms, v := parseFloat(raw)
		switch {
		case v == verdictTooLarge || v == verdictKept && ms >= float64(maxRetryAfter/time.Millisecond):
			r.ms, r.wait = verdictClamped, maxRetryAfter
			return r
		case v == verdictKept && ms > 0:
			r.ms, r.wait = verdictKept, time.Duration(ms*float64(time.Millisecond))
			return r
		}
		r.ms = v
	}
	raw := headerValue(h, headerRetryAfter)
	if raw == "" {
		return r
	}
	if s, v := parseFloat(raw); v != verdictMalformed {
		switch {
		case v == verdictTooLarge || v == verdictKept && s >= maxRetryAfter.Seconds():
			r.seconds, r.wait = verdictClamped, maxRetryAfter
		case v == verdictKept:
			r.seconds, r.wait = verdictKept, time.Duration(s*float64(time.Second))
		default:
			r.seconds = v
		}
		return r
	}
	t, err := http.ParseTime(raw)
	switch {
	case err != nil:
		r.seconds = verdictMalformed
	case t.Sub(now) >= maxRetryAfter:
		r.seconds, r.wait = verdictClamped, maxRetryAfter
	case t.After(now):
		r.seconds, r.wait = verdictKept, t.Sub(now)
	default:
		r.seconds = verdictKept // a date past: no wait
	}
	return r
}
