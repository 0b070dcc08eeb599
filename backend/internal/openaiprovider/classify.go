package openaiprovider

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Error is a failed OpenAI call, after its retries.
type Error struct {
	// Kind is how the call failed; its Label is the failure's value of the
	// metric contract's error_type label.
	Kind ErrorKind
	// StatusCode is OpenAI's HTTP status, 0 when no answer came or when its
	// status is not known (an answer whose body could not be decoded).
	StatusCode int
	// Code is OpenAI's error code (e.g. rate_limit_exceeded), when it sent one.
	Code string
	// RetryAfter is how long OpenAI asked to wait, 0 when it did not say; a
	// longer wait than an hour reads as an hour.
	RetryAfter time.Duration
	// RequestID is OpenAI's x-request-id of the last attempt.
	RequestID string
	// Attempts is how many API requests the call made.
	Attempts int
	// Err is the last attempt's error.
	Err error
}

// Error describes the failure without OpenAI's message text, which may quote
// part of the API key ("Incorrect API key provided: sk-..."). The provider's
// own reasons (a refused redirect, an answer too large or undecodable) are
// told in full: they name no more than origins, sizes and decoding errors.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "OpenAI call failed (%s) after %d attempt", e.Kind.Label(), e.Attempts)
	if e.Attempts != 1 {
		b.WriteString("s")
	}
	switch {
	case e.StatusCode != 0:
		fmt.Fprintf(&b, ": HTTP %d", e.StatusCode)
		if e.Code != "" {
			fmt.Fprintf(&b, " %s", e.Code)
		}
		if reason := ownReason(e.Err); reason != nil {
			fmt.Fprintf(&b, ": %v", reason)
		}
	case e.Err != nil:
		fmt.Fprintf(&b, ": %v", transportCause(e.Err))
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ownReason finds in err a reason the provider itself gave, whose text is
// safe to show; nil if there is none.
func ownReason(err error) error {
	var tooLarge *ResponseTooLargeError
	var undecodable *undecodableError
	var readErr *bodyReadError
	switch {
	case errors.As(err, &tooLarge):
		return tooLarge
	case errors.As(err, &undecodable):
		return undecodable
	case errors.As(err, &readErr):
		return fmt.Errorf("reading the answer: %w", readErr)
	}
	return nil
}

// undecodableError is an answer with a success status whose body could not
// be read or decoded as a chat completion.
type undecodableError struct{ err error }

func (e *undecodableError) Error() string {
	var readErr *bodyReadError
	switch {
	case errors.As(e.err, &readErr):
		return "the answer could not be read: " + readErr.Error()
	case errors.Is(e.err, errStreamCut):
		return errStreamCut.Error()
	case errors.Is(e.err, io.EOF):
		return "the answer is empty"
	case errors.Is(e.err, io.ErrUnexpectedEOF):
		return "the answer ends inside its JSON"
	}
	return "the answer is not a chat completion: " + e.err.Error()
}

func (e *undecodableError) Unwrap() error { return e.err }

// failure is the classification of one attempt's error.
type failure struct {
	kind       ErrorKind
	statusCode int
	code       string
	retryable  bool
	// err, when set, is what Error.Err holds in place of the attempt's error.
	err error
}

// classify maps an attempt's error to its ErrorKind: 401 and 403 are
// KindUnauthorized; 429 is KindRateLimited; 5xx, connection errors and
// timeouts are KindProviderUnavailable; anything else, such as a 400, a
// refused redirect or an answer too large or undecodable, is
// KindProviderError.
// answered tells whether an answer's status and headers came.
func classify(err error, answered bool) failure {
	var redirect *RedirectError
	var tooLarge *ResponseTooLargeError
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	var readErr *bodyReadError
	switch {
	case errors.As(err, &redirect):
		// Kept without net/http's wrapping, which quotes the Location.
		return failure{kind: KindProviderError, err: redirect}
	case errors.As(err, &tooLarge):
		return failure{kind: KindProviderError, statusCode: tooLarge.StatusCode}
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
		return failure{kind: KindProviderUnavailable}
	case errors.Is(err, context.DeadlineExceeded):
		return failure{kind: KindProviderUnavailable}
	case errors.As(err, &readErr) && !successStatus(readErr.statusCode):
		// An error answer cut short: its status decides, as it would whole.
		return classifyStatus(readErr.statusCode)
	case answered:
		// A success status whose body could not be read or decoded (empty,
		// truncated, not JSON, cut mid-body): the request reached OpenAI,
		// which may have billed it, so it is not sent again, and the failure
		// is OpenAI's answer, not OpenAI's absence.
		f := failure{kind: KindProviderError, err: &undecodableError{err: err}}
		if errors.As(err, &readErr) {
			f.statusCode = readErr.statusCode
		}
		return f
	case isTransportError(err):
		return failure{kind: KindProviderUnavailable, retryable: true}
	default:
		return failure{kind: KindProviderError}
	}
}

// successStatus tells whether go-openai decodes an answer with this status
// as a completion rather than as an error.
func successStatus(status int) bool {
	return status >= http.StatusOK && status < http.StatusBadRequest
}

func classifyStatus(status int) failure {
	f := failure{statusCode: status}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		f.kind = KindUnauthorized
	case status == http.StatusTooManyRequests:
		f.kind, f.retryable = KindRateLimited, true
	case status >= 500:
		f.kind, f.retryable = KindProviderUnavailable, true
	default:
		f.kind = KindProviderError
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
