package grafana

import (
	"errors"
	"fmt"
	"net/http"
)

// ErrNotFound matches (errors.Is) an *APIError with status 404.
var ErrNotFound = errors.New("not found")

// APIError is an answer of Grafana with a status of 400 or more.
type APIError struct {
	Method string
	Path   string
	Status int
	// Message is Grafana's "message" field, or the start of the body.
	Message string
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Is makes errors.Is(err, ErrNotFound) true for a 404.
func (e *APIError) Is(target error) bool {
	return target == ErrNotFound && e.Status == http.StatusNotFound
}

// AuthError is a 401 or 403: the credential is wrong or lacks permission.
// It stops a run at once; its message names the credential (never its
// value) and what to check.
type AuthError struct {
	APIError
	// Credential names the environment variables of the credential in use.
	Credential string
}

func (e *AuthError) Error() string {
	detail := e.APIError.Error()
	if e.Status == http.StatusUnauthorized {
		return fmt.Sprintf("401 from Grafana: check %s: Grafana rejected it (%s)", e.Credential, detail)
	}
	return fmt.Sprintf("403 from Grafana: the account behind %s lacks permission for %s %s: give it the Admin role (%s)",
		e.Credential, e.Method, e.Path, detail)
}

// Unwrap exposes the APIError.
func (e *AuthError) Unwrap() error { return &e.APIError }

// IsAuth reports whether err is (or wraps) an *AuthError.
func IsAuth(err error) bool {
	var a *AuthError
	return errors.As(err, &a)
}
