package billing

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/scanium/openai-monitoring/internal/httporigin"
	"github.com/scanium/openai-monitoring/internal/retry"
)

// Retry policy of one request within a poll.
const (
	// maxAttempts bounds the tries of one request: the first and its
	// retries after a 429, a 5xx or a connection error.
	maxAttempts = 5
	// initialBackoff doubles after each retry, up to maxBackoff, without
	// jitter: one exporter polls once an hour.
	initialBackoff = time.Second
	maxBackoff     = 30 * time.Second
	// maxRetryAfter is the longest Retry-After the exporter waits; a 429
	// asking for more fails the poll, and the next one tries again.
	maxRetryAfter = time.Minute
	// maxReportedRetryAfter is the longest Retry-After the error of such a
	// poll tells; a longer one reads as "more than" it.
	maxReportedRetryAfter = time.Hour
	// maxErrorMessage bounds the part of an error answer quoted in a log.
	maxErrorMessage = 200
	// maxRedirects is net/http's own bound on a chain of redirects.
	maxRedirects = 10
)

// client gets the pages of the Costs and Usage APIs with the admin key.
type client struct {
	http    *http.Client
	baseURL string
	key     string
	// sleep waits d or until ctx ends, and reports whether d passed.
	sleep          func(ctx context.Context, d time.Duration) bool
	initialBackoff time.Duration
}

// newHTTPClient returns a client that follows redirects within the base
// URL's origin only: another origin would receive the admin key.
func newHTTPClient(baseURL string, transport http.RoundTripper) *http.Client {
	origin := "(no origin)"
	if u, err := url.Parse(baseURL); err == nil {
		origin = httporigin.Of(u)
	}
	return &http.Client{
		Transport: transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if to := httporigin.Of(req.URL); to != origin {
				return &redirectError{from: origin, to: to}
			}
			if len(via) >= maxRedirects {
				return fmt.Errorf("stopped after %d redirects", maxRedirects)
			}
			return nil
		},
	}
}

// redirectError is a redirect refused because it leads out of the base
// URL's origin. It names origins only, never a path or a query.
type redirectError struct{ from, to string }

func (e *redirectError) Error() string {
	return fmt.Sprintf("refused a redirect from %s to %s: the admin key goes to the base URL's origin only", e.from, e.to)
}

// StatusError is an answer other than 200 that retries did not overcome.
type StatusError struct {
	// Endpoint is the API path, such as /organization/costs.
	Endpoint   string
	StatusCode int
	// Message is OpenAI's error message, shortened, with the key removed.
	Message string
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("GET %s answered %d", e.Endpoint, e.StatusCode)
	if e.Message != "" {
		msg += " (" + e.Message + ")"
	}
	switch {
	case e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden:
		return msg + ": check " + EnvAdminKey + ", which must be an admin key of the OpenAI organization (sk-admin-…, made under Organization settings → Admin keys), not a project key"
	case e.StatusCode == http.StatusNotFound:
		return msg + ": check " + "OPENAI_BASE_URL" + ", which must be the API's base URL, e.g. https://api.openai.com/v1"
	case e.StatusCode == http.StatusTooManyRequests:
		return msg + ": OpenAI's rate limit held through the retries; the next poll tries again"
	case e.StatusCode >= 500:
		return msg + ": OpenAI failed through the retries; the next poll tries again (status.openai.com)"
	}
	return msg
}

// get fetches one page of endpoint with query into out, retrying 429s
// (after their Retry-After), 5xx answers and connection errors with a
// doubling backoff, until ctx (the poll's budget) ends.
func (c *client) get(ctx context.Context, endpoint string, query url.Values, out any) error {
	target := c.baseURL + endpoint + "?" + query.Encode()
	retrier := retry.Retrier{
		// An initial backoff beyond maxBackoff is not cut to it.
		Policy: retry.Policy{MaxAttempts: maxAttempts, BaseDelay: c.initialBackoff, MaxDelay: max(maxBackoff, c.initialBackoff),
			MaxRetryAfter: maxRetryAfter, Jitter: retry.NoJitter},
		Sleep: func(ctx context.Context, d time.Duration) error {
			if c.sleep(ctx, d) {
				return nil
			}
			return cmp.Or(ctx.Err(), context.Canceled)
		},
	}
	for attempt := 1; ; attempt++ {
		asked, err := c.try(ctx, endpoint, target, out)
		if err == nil || asked.final {
			return err
		}
		_, stop := retrier.Wait(ctx, attempt, asked.wait)
		switch {
		case stop == nil:
		case errors.Is(stop, retry.ErrRetryAfterTooLong):
			more := ""
			if asked.tooLong {
				more = "more than "
			}
			return fmt.Errorf("%w; it asked to wait %s%s, beyond the %s the exporter waits", err, more, asked.wait, maxRetryAfter)
		case errors.Is(stop, retry.ErrPastDeadline):
			return fmt.Errorf("%w; the poll's budget (%s) ends before the next try", err, EnvPollTimeout)
		case errors.Is(stop, retry.ErrAttemptsExhausted):
			return err
		default:
			return fmt.Errorf("%w; then the poll ended: %w", err, stop)
		}
	}
}

// nextTry is what a failed try says of the next one.
type nextTry struct {
	// final: the error is final, no retry.
	final bool
	// wait is the answer's Retry-After, 0 for the backoff, at most
	// maxReportedRetryAfter; tooLong: it asked for more than that.
	wait    time.Duration
	tooLong bool
}

var finalTry = nextTry{final: true}

// try sends one request. When it fails, it says whether to retry, and after
// how long a wait.
func (c *client) try(ctx context.Context, endpoint, target string, out any) (nextTry, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return finalTry, fmt.Errorf("GET %s: %w", endpoint, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return finalTry, fmt.Errorf("GET %s: the poll ended (%s): %w", endpoint, EnvPollTimeout, ctx.Err())
		}
		if redirect := (*redirectError)(nil); errors.As(err, &redirect) {
			return finalTry, fmt.Errorf("GET %s: %w", endpoint, redirect)
		}
		return nextTry{}, fmt.Errorf("GET %s: %s (check that OPENAI_BASE_URL %s is reachable)", endpoint, c.clean(err.Error()), c.baseURL)
	}
	defer resp.Body.Close()
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if readErr == nil && len(body) > MaxResponseBytes {
		return finalTry, fmt.Errorf("GET %s: the answer exceeded %d bytes", endpoint, MaxResponseBytes)
	}
	if resp.StatusCode != http.StatusOK {
		statusErr := &StatusError{Endpoint: endpoint, StatusCode: resp.StatusCode, Message: c.errorMessage(body)}
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			// OpenAI's headers: retry-after-ms, then Retry-After in
			// seconds (a fraction allowed) or as a date.
			ra := retry.ReadRetryAfter(resp.Header, time.Now(), maxReportedRetryAfter, retry.DecimalNumbers)
			return nextTry{wait: ra.Wait, tooLong: ra.TooLong}, statusErr
		case resp.StatusCode >= 500:
			return nextTry{}, statusErr
		}
		return finalTry, statusErr
	}
	if readErr != nil {
		return nextTry{}, fmt.Errorf("GET %s: the answer was cut: %s", endpoint, c.clean(readErr.Error()))
	}
	if err := json.Unmarshal(body, out); err != nil {
		return finalTry, fmt.Errorf("GET %s: the answer is not the API's JSON (%s): check that OPENAI_BASE_URL %s is OpenAI's API", endpoint, c.clean(err.Error()), c.baseURL)
	}
	return nextTry{}, nil
}

// errorMessage is OpenAI's error message in body, shortened.
func (c *client) errorMessage(body []byte) string {
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil || e.Error.Message == "" {
		return ""
	}
	msg := c.clean(e.Error.Message)
	if len(msg) > maxErrorMessage {
		msg = msg[:maxErrorMessage] + "…"
	}
	return msg
}

// clean removes the admin key from text that a server or the network
// produced.
func (c *client) clean(s string) string {
	if c.key == "" {
		return s
	}
	return strings.ReplaceAll(s, c.key, "<secret>")
}

// sleepContext waits d or until ctx ends, and reports whether d passed.
func sleepContext(ctx context.Context, d time.Duration) bool {
	return retry.SleepContext(ctx, d) == nil
}
