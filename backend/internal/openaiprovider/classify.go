package openaiprovider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// Error is a failed OpenAI call, after its retries.
type Error struct {
	// Type is one of openaimetrics.ErrorTypes().
	Type string
	// StatusCode is OpenAI's HTTP status, 0 when no response came.
	StatusCode int
	// Code is OpenAI's error code (e.g. rate_limit_exceeded), when it sent one.
	Code string
	// RetryAfter is how long OpenAI asked to wait, 0 when it did not say.
	RetryAfter time.Duration
	// RequestID is OpenAI's x-request-id of the last attempt.
	RequestID string
	// Attempts is how many API requests the call made.
	Attempts int
	// Err is the last attempt's error.
	Err error
}

// Error describes the failure without OpenAI's message text, which may quote
// part of the API key ("Incorrect API key provided: sk-...").
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "OpenAI call failed (%s) after %d attempt", e.Type, e.Attempts)
	if e.Attempts != 1 {
		b.WriteString("s")
	}
	switch {
	case e.StatusCode != 0:
		fmt.Fprintf(&b, ": HTTP %d", e.StatusCode)
		if e.Code != "" {
			fmt.Fprintf(&b, " %s", e.Code)
		}
	case e.Err != nil:
		fmt.Fprintf(&b, ": %v", transportCause(e.Err))
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// failure is the classification of one attempt's error.
type failure struct {
	errorType  string
	statusCode int
	code       string
	retryable  bool
}

// classify maps an attempt's error to the contract's error types:
// 401 and 403 are UNAUTHORIZED; 429 is RATE_LIMITED; 5xx, connection errors
// and timeouts are PROVIDER_UNAVAILABLE; anything else, such as a 400, is
// PROVIDER_ERROR.
func classify(err error) failure {
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		f := classifyStatus(apiErr.HTTPStatusCode)
		f.code = apiCode(apiErr)
		if f.code == "insufficient_quota" {
			// A 429 for an exhausted quota does not clear by waiting.
			f.retryable = false
		}
		return f
	case errors.As(err, &reqErr):
		return classifyStatus(reqErr.HTTPStatusCode)
	case errors.Is(err, context.Canceled):
		return failure{errorType: m.ErrorProviderUnavailable}
	case errors.Is(err, context.DeadlineExceeded):
		return failure{errorType: m.ErrorProviderUnavailable}
	case isTransportError(err):
		return failure{errorType: m.ErrorProviderUnavailable, retryable: true}
	default:
		return failure{errorType: m.ErrorProviderError}
	}
}

func classifyStatus(status int) failure {
	f := failure{statusCode: status}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		f.errorType = m.ErrorUnauthorized
	case status == http.StatusTooManyRequests:
		f.errorType, f.retryable = m.ErrorRateLimited, true
	case status >= 500:
		f.errorType, f.retryable = m.ErrorProviderUnavailable, true
	default:
		f.errorType = m.ErrorProviderError
	}
	return f
}

func apiCode(e *openai.APIError) string {
	switch c := e.Code.(type) {
	case string:
		return c
	case nil:
		return e.Type
	default:
		return fmt.Sprint(c)
	}
}

// retryAfter reads how long OpenAI asks to wait: retry-after-ms, then
// retry-after in seconds or as an HTTP date.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := headerValue(h, "Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := headerValue(h, "Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s > 0 {
			return time.Duration(s * float64(time.Second))
		}
		return 0
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
