package openaiprovider

import (
	"net/http"
	"time"

	"github.com/scanium/openai-monitoring/internal/retry"
)

// The headers OpenAI asks for a wait with, canonical.
const (
	headerRetryAfterMs = retry.HeaderRetryAfterMs
	headerRetryAfter   = retry.HeaderRetryAfter
)

// readRetryAfter reads retry-after-ms, then Retry-After in seconds (a
// fraction allowed, as OpenAI's values are read) or as an HTTP date. No
// value overflows a Duration: NaN, Inf, negative and malformed values ask
// for no wait (the next header, or the backoff, decides), and a longer wait
// than maxRetryAfter is clamped to it.
func readRetryAfter(h http.Header, now time.Time) retry.RetryAfter {
	return retry.ReadRetryAfter(h, now, maxRetryAfter, retry.DecimalNumbers)
}

// retryAfter is how long OpenAI asks to wait, in [0, maxRetryAfter].
func retryAfter(h http.Header, now time.Time) time.Duration {
	return readRetryAfter(h, now).Wait
}

// retryAfterVerdict is the verdict logged for a header read for a wait: a
// wait too long is clamped to maxRetryAfter.
func retryAfterVerdict(v retry.Verdict) verdict {
	switch v {
	case retry.VerdictKept:
		return verdictKept
	case retry.VerdictMalformed:
		return verdictMalformed
	case retry.VerdictNegative:
		return verdictNegative
	case retry.VerdictTooLong:
		return verdictClamped
	}
	return verdictAbsent
}
