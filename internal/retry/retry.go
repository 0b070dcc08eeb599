// Package retry is the module's one retry policy: exponential backoff with
// jitter and a cap, a bound on the attempts, the context's deadline and
// cancellation, and a server's Retry-After when the caller has one. The
// OpenAI provider, the billing exporter and the provisioner's Grafana
// client retry with it, and read the wait a server asks for with
// ReadRetryAfter.
//
// A caller runs its own loop, since each has its own notion of an attempt
// (a span, a metric, a notice), and asks Retrier.Wait after each failed
// attempt that may pass when tried again: Wait says why not to retry, or
// waits and returns how long it waited. Do runs the simple loop.
//
// The clock, the sleep and the random source are fields, so that tests
// replace them and assert the exact waits.
package retry

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"time"
)

// Jitter is how much of a backoff step is random.
type Jitter int

const (
	// FullJitter waits a random time in [0, step]: retries of many clients
	// spread the most (the zero value).
	FullJitter Jitter = iota
	// EqualJitter waits in [step/2, step]: never below half the step.
	EqualJitter
	// NoJitter waits the step itself.
	NoJitter
)

// Policy says how often and how long to retry.
type Policy struct {
	// MaxAttempts counts the first try; 0 or 1 turns retries off.
	MaxAttempts int
	// BaseDelay is the step before the first retry; it doubles with each
	// retry, up to MaxDelay (zero: no cap).
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// MaxRetryAfter is the longest wait a server may ask for; a longer one
	// ends the retries (ErrRetryAfterTooLong). Zero sets no bound but the
	// context's deadline.
	MaxRetryAfter time.Duration
	// Jitter defaults to FullJitter.
	Jitter Jitter
}

// Step is the backoff step before retry number retry (1 after the first
// failed attempt): BaseDelay doubled retry-1 times, at most MaxDelay (no
// cap when zero), without jitter. It never overflows.
func (p Policy) Step(retry int) time.Duration {
	limit := p.MaxDelay
	if limit <= 0 {
		limit = math.MaxInt64
	}
	d := max(min(p.BaseDelay, limit), 0)
	for i := 1; i < retry && d < limit; i++ {
		if d > limit/2 {
			return limit
		}
		d *= 2
	}
	return d
}

// Why the retries end.
var (
	// ErrAttemptsExhausted: the attempt was the last the policy allows.
	ErrAttemptsExhausted = errors.New("no attempts left")
	// ErrRetryAfterTooLong: the server asked for a longer wait than
	// Policy.MaxRetryAfter.
	ErrRetryAfterTooLong = errors.New("the server asked to wait longer than the retries wait")
	// ErrPastDeadline: the wait would end at or past the context's
	// deadline, leaving no time for another attempt.
	ErrPastDeadline = errors.New("the wait ends past the deadline")
)

// Retrier applies a Policy. Its zero clock, sleep and random source are
// the real ones.
type Retrier struct {
	Policy Policy
	// Now is the clock deadlines are compared with; nil is time.Now.
	Now func() time.Time
	// Sleep waits d, or returns ctx's error when ctx ends first; nil waits
	// on a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand returns a number in [0, n) for n > 0; nil is
	// math/rand/v2.Int64N.
	Rand func(n int64) int64
}

// Backoff is the wait before retry number retry: Step(retry) with the
// policy's jitter.
func (r Retrier) Backoff(retry int) time.Duration {
	step := r.Policy.Step(retry)
	switch r.Policy.Jitter {
	case NoJitter:
		return step
	case EqualJitter:
		half := step / 2
		return half + r.random(step-half)
	default:
		return r.random(step)
	}
}

// random is a duration in [0, d].
func (r Retrier) random(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	n := int64(d) + 1
	if n <= 0 { // d is the largest Duration
		n = int64(d)
	}
	if r.Rand != nil {
		return time.Duration(r.Rand(n))
	}
	return time.Duration(rand.Int64N(n))
}

// Delay is the wait after failed attempt number attempt (1 for the first):
// the server's retryAfter when it gave one (> 0), else the backoff.
func (r Retrier) Delay(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return retryAfter
	}
	return r.Backoff(attempt)
}

// Decide returns the wait before the attempt after failed attempt number
// attempt, or why there is none: ErrAttemptsExhausted,
// ErrRetryAfterTooLong, ErrPastDeadline, or ctx's error. retryAfter is
// the wait the server asked for, 0 for none; a caller whose reading of it
// overflowed passes any duration beyond Policy.MaxRetryAfter.
func (r Retrier) Decide(ctx context.Context, attempt int, retryAfter time.Duration) (time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if attempt >= r.Policy.MaxAttempts {
		return 0, ErrAttemptsExhausted
	}
	if r.Policy.MaxRetryAfter > 0 && retryAfter > r.Policy.MaxRetryAfter {
		return retryAfter, ErrRetryAfterTooLong
	}
	wait := r.Delay(attempt, retryAfter)
	if deadline, ok := ctx.Deadline(); ok && !r.now().Add(wait).Before(deadline) {
		return wait, ErrPastDeadline
	}
	return wait, nil
}

// Wait decides as Decide does and, when there is a retry, waits for it.
// It returns the wait, and nil when the next attempt may start; the
// context's error when it ended during the wait.
func (r Retrier) Wait(ctx context.Context, attempt int, retryAfter time.Duration) (time.Duration, error) {
	wait, err := r.Decide(ctx, attempt, retryAfter)
	if err != nil {
		return wait, err
	}
	return wait, r.Pause(ctx, wait)
}

// Do calls attempt until it succeeds, fails for good, or the policy ends
// the retries; it returns attempt's last error (nil on success). attempt
// gets its number (1 for the first) and says whether its failure may pass
// when retried and how long the server asked to wait (0 for none).
func (r Retrier) Do(ctx context.Context, attempt func(ctx context.Context, n int) (retry bool, retryAfter time.Duration, err error)) error {
	for n := 1; ; n++ {
		again, retryAfter, err := attempt(ctx, n)
		if err == nil || !again {
			return err
		}
		if _, werr := r.Wait(ctx, n, retryAfter); werr != nil {
			return err
		}
	}
}

func (r Retrier) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Pause waits d with the retrier's sleep: for a caller that decides, does
// something (drains an answer, says it retries), then waits.
func (r Retrier) Pause(ctx context.Context, d time.Duration) error {
	if r.Sleep != nil {
		return r.Sleep(ctx, d)
	}
	return SleepContext(ctx, d)
}

// SleepContext waits d, or until ctx ends, when it returns ctx's error.
func SleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
