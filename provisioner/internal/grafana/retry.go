package grafana

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"

	"github.com/scanium/openai-monitoring/internal/retry"
)

// RetryPolicy says how often and how long to retry a request that failed
// in a way that may pass: a connection error, 429 or a 5xx. Other answers,
// 4xx included, are never retried. A Retry-After longer than MaxRetryAfter
// (however large the number) ends the retries. Its zero Jitter is full
// jitter; DefaultRetryPolicy's is equal jitter.
type RetryPolicy = retry.Policy

// DefaultRetryPolicy: 5 attempts within about 4 seconds of backoff, each
// wait between half and all of its step.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 5, BaseDelay: 250 * time.Millisecond, MaxDelay: 5 * time.Second, MaxRetryAfter: time.Minute, Jitter: retry.EqualJitter}
}

type noRetryKey struct{}

// withoutRetries marks a request as tried once only (health polls retry on
// their own schedule).
func withoutRetries(ctx context.Context) context.Context {
	return context.WithValue(ctx, noRetryKey{}, true)
}

// retryTransport retries within the request's context: it never sleeps
// past the context's deadline and stops when the context ends.
type retryTransport struct {
	next http.RoundTripper
	// retrier holds the policy, and the clock, sleep and random source
	// that tests replace.
	retrier retry.Retrier
	// notify reports each retry on one line.
	notify func(string)
}

func newRetryTransport(next http.RoundTripper, policy RetryPolicy, notify func(string)) *retryTransport {
	return &retryTransport{next: next, retrier: retry.Retrier{Policy: policy}, notify: notify}
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	policy := t.retrier.Policy
	if noRetry, _ := ctx.Value(noRetryKey{}).(bool); noRetry || policy.MaxAttempts <= 1 {
		return t.next.RoundTrip(req)
	}
	getBody, err := bodyFactory(req)
	if err != nil {
		return nil, err
	}
	buffered := getBody != nil && req.GetBody == nil
	for attempt := 1; ; attempt++ {
		try := req
		if getBody != nil && (attempt > 1 || buffered) {
			try = req.Clone(ctx)
			body, err := getBody()
			if err != nil {
				return nil, fmt.Errorf("rewind request body: %w", err)
			}
			try.Body, try.GetBody = body, getBody
		}
		resp, err := t.next.RoundTrip(try)
		v := t.classify(ctx, resp, err)
		if !v.retry {
			return resp, err
		}
		delay, stop := t.retrier.Decide(ctx, attempt, v.retryAfter)
		if errors.Is(stop, retry.ErrRetryAfterTooLong) && t.notify != nil {
			t.notify(fmt.Sprintf("%s %s: %s and asked to wait longer than %s (Retry-After): not retrying",
				req.Method, req.URL.Path, v.reason, policy.MaxRetryAfter))
		}
		if stop != nil {
			return resp, err
		}
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
			_ = resp.Body.Close()
		}
		if t.notify != nil {
			t.notify(fmt.Sprintf("%s %s: %s; retrying in %s (attempt %d of %d)",
				req.Method, req.URL.Path, v.reason, delay.Round(time.Millisecond), attempt+1, policy.MaxAttempts))
		}
		if err := t.retrier.Pause(ctx, delay); err != nil {
			return nil, fmt.Errorf("%s %s: gave up after %s: %w", req.Method, req.URL.Path, v.reason, err)
		}
	}
}

// verdict is what classify makes of one attempt.
type verdict struct {
	// retry: the attempt failed in a way that may pass.
	retry bool
	// reason says why, for the retry notice.
	reason string
	// retryAfter is the wait the server asked for: 0 for none, the largest
	// Duration when it asked for longer than MaxRetryAfter.
	retryAfter time.Duration
}

// classify says whether an attempt may pass when retried, why, and how long
// the server asked to wait.
func (t *retryTransport) classify(ctx context.Context, resp *http.Response, err error) verdict {
	if err != nil {
		if ctx.Err() != nil || isPermanent(err) {
			return verdict{}
		}
		return verdict{retry: true, reason: err.Error()}
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		// Retry-After as RFC 9110 writes it, whole seconds or a date (and
		// retry-after-ms in whole milliseconds, should a proxy send it). A
		// wait beyond MaxRetryAfter (none: beyond a Duration) stops.
		ra := retry.ReadRetryAfter(resp.Header, t.now(), t.retrier.Policy.MaxRetryAfter, retry.WholeNumbers)
		wait := ra.Wait
		if ra.TooLong {
			wait = math.MaxInt64
		}
		return verdict{retry: true, reason: fmt.Sprintf("Grafana answered %d", resp.StatusCode), retryAfter: wait}
	}
	return verdict{}
}

func (t *retryTransport) now() time.Time {
	if t.retrier.Now != nil {
		return t.retrier.Now()
	}
	return time.Now()
}

// isPermanent tells errors that a retry cannot fix: a certificate that
// does not verify.
func isPermanent(err error) bool {
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	return errors.As(err, &unknownAuthority) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &verify)
}

// bodyFactory returns a function that gives a fresh copy of the request's
// body for each attempt, buffering the body when the request has no
// GetBody; nil when there is no body.
func bodyFactory(req *http.Request) (func() (io.ReadCloser, error), error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	if req.GetBody != nil {
		return req.GetBody, nil
	}
	body, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("buffer request body: %w", err)
	}
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }, nil
}

// sleepContext waits d or until ctx ends.
func sleepContext(ctx context.Context, d time.Duration) error { return retry.SleepContext(ctx, d) }
