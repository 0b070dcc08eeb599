package openaisim

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Rate-limit response headers, as OpenAI names them.
const (
	headerLimitRequests     = "x-ratelimit-limit-requests"
	headerLimitTokens       = "x-ratelimit-limit-tokens"
	headerRemainingRequests = "x-ratelimit-remaining-requests"
	headerRemainingTokens   = "x-ratelimit-remaining-tokens"
	headerResetRequests     = "x-ratelimit-reset-requests"
	headerResetTokens       = "x-ratelimit-reset-tokens"
	headerRetryAfter        = "retry-after"
)

// window is one fixed rate-limit window: it opens with the first charge and
// gives its whole budget back when its length has passed.
type window struct {
	limit  int64
	length time.Duration
	used   int64
	start  time.Time
	open   bool
}

func (w *window) roll(now time.Time) {
	if w.open && !now.Before(w.start.Add(w.length)) {
		w.used, w.open = 0, false
	}
}

func (w *window) remaining() int64 {
	return max(0, w.limit-w.used)
}

// reset is the time until the whole budget is back: zero when none is used.
func (w *window) reset(now time.Time) time.Duration {
	if !w.open {
		return 0
	}
	return w.start.Add(w.length).Sub(now)
}

func (w *window) charge(now time.Time, n int64) {
	if !w.open {
		w.start, w.open = now, true
	}
	w.used += n
}

// rateState is what the rate-limit headers of one response say.
type rateState struct {
	limitRequests, remainingRequests int64
	limitTokens, remainingTokens     int64
	resetRequests, resetTokens       time.Duration
}

func (s rateState) writeHeaders(h http.Header) {
	h.Set(headerLimitRequests, strconv.FormatInt(s.limitRequests, 10))
	h.Set(headerLimitTokens, strconv.FormatInt(s.limitTokens, 10))
	h.Set(headerRemainingRequests, strconv.FormatInt(s.remainingRequests, 10))
	h.Set(headerRemainingTokens, strconv.FormatInt(s.remainingTokens, 10))
	h.Set(headerResetRequests, formatReset(s.resetRequests))
	h.Set(headerResetTokens, formatReset(s.resetTokens))
}

// limitKind names the budget a rejection ran out of, as the type of
// OpenAI's rate-limit error does.
type limitKind string

const (
	limitRequests limitKind = "requests"
	limitTokens   limitKind = "tokens"
)

// perMinute abbreviates the budget per minute, as OpenAI's messages do.
func (k limitKind) perMinute() string {
	if k == limitTokens {
		return "TPM"
	}
	return "RPM"
}

// rejection says why the limiter refused a request.
type rejection struct {
	kind      limitKind
	limit     int64
	used      int64
	requested int64
	window    time.Duration
	// retryAfter is the time until the exhausted budget is back.
	retryAfter time.Duration
}

// tooLarge reports whether the request exceeds the whole budget, so that
// waiting cannot help.
func (r *rejection) tooLarge() bool {
	return r.requested > r.limit
}

// limiter keeps the request and token windows.
type limiter struct {
	mu       sync.Mutex
	now      func() time.Time
	requests window
	tokens   window
}

func newLimiter(now func() time.Time, limits RateLimits) *limiter {
	l := &limiter{now: now}
	l.set(limits)
	return l
}

// set replaces the limits; the budget already used in open windows stays
// used. limits must be valid.
func (l *limiter) set(limits RateLimits) {
	limits = limits.withDefaults()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requests.limit, l.requests.length = limits.Requests, limits.RequestWindow
	l.tokens.limit, l.tokens.length = limits.Tokens, limits.TokenWindow
}

// peek returns the current state without charging anything.
func (l *limiter) peek() rateState {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.requests.roll(now)
	l.tokens.roll(now)
	return l.stateLocked(now)
}

// admit charges one request and its tokens if both budgets allow them, and
// returns the state after the charge; otherwise it charges nothing and says
// which budget ran out.
func (l *limiter) admit(tokens int64) (rateState, *rejection) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.requests.roll(now)
	l.tokens.roll(now)
	switch {
	case l.requests.remaining() < 1:
		return l.stateLocked(now), l.rejectLocked(now, &l.requests, limitRequests, 1)
	case l.tokens.remaining() < tokens:
		return l.stateLocked(now), l.rejectLocked(now, &l.tokens, limitTokens, tokens)
	}
	l.requests.charge(now, 1)
	l.tokens.charge(now, tokens)
	return l.stateLocked(now), nil
}

func (l *limiter) rejectLocked(now time.Time, w *window, kind limitKind, requested int64) *rejection {
	return &rejection{
		kind:       kind,
		limit:      w.limit,
		used:       w.used,
		requested:  requested,
		window:     w.length,
		retryAfter: w.reset(now),
	}
}

func (l *limiter) stateLocked(now time.Time) rateState {
	return rateState{
		limitRequests:     l.requests.limit,
		remainingRequests: l.requests.remaining(),
		resetRequests:     l.requests.reset(now),
		limitTokens:       l.tokens.limit,
		remainingTokens:   l.tokens.remaining(),
		resetTokens:       l.tokens.reset(now),
	}
}

// formatReset writes a reset duration as OpenAI does ("20ms", "8.64s",
// "6m0s"): Go's duration syntax, rounded up to the millisecond below a
// second, to the hundredth of a second below a minute, and to the second
// above. Rounding up means a client that waits that long finds the budget
// back.
func formatReset(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Second:
		return ceil(d, time.Millisecond).String()
	case d < time.Minute:
		return ceil(d, 10*time.Millisecond).String()
	default:
		return ceil(d, time.Second).String()
	}
}

// retryAfterSeconds is d in whole seconds, rounded up, at least 1: the value
// of a retry-after header.
func retryAfterSeconds(d time.Duration) int64 {
	return max(1, int64(ceil(d, time.Second)/time.Second))
}

func ceil(d, unit time.Duration) time.Duration {
	if r := d % unit; r != 0 {
		return d + unit - r
	}
	return d
}
