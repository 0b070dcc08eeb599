package openaiprovider

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// rawAnswer answers with exactly these bytes on the connection, then closes
// it: a way to cut an answer anywhere, even before its status line.
func rawAnswer(t *testing.T, raw string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		defer conn.Close()
		_, _ = buf.WriteString(raw)
		_ = buf.Flush()
	}
}

func answerOf(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// TestChatUndecodableSuccess: a success status whose body cannot be decoded
// reached OpenAI, which may have billed it. Whatever the body's shape, it is
// one attempt, PROVIDER_ERROR, counted once, never retried.
func TestChatUndecodableSuccess(t *testing.T) {
	const limit = 64 << 10
	whole := completionJSON(12, 4, 16)
	for _, tc := range []struct {
		name    string
		handler func(t *testing.T) http.HandlerFunc
		reason  string // in the error's text
	}{
		{"empty", func(*testing.T) http.HandlerFunc { return answerOf(http.StatusOK, "application/json", "") }, "the answer is empty"},
		{"truncated", func(*testing.T) http.HandlerFunc {
			return answerOf(http.StatusOK, "application/json", whole[:len(whole)/2])
		}, "ends inside its JSON"},
		{"not JSON", func(*testing.T) http.HandlerFunc {
			return answerOf(http.StatusOK, "text/html", "<html><body>Bad gateway</body></html>")
		}, "not a chat completion"},
		{"wrong JSON", func(*testing.T) http.HandlerFunc {
			return answerOf(http.StatusOK, "application/json", `{"usage":{"prompt_tokens":"twelve"}}`)
		}, "not a chat completion"},
		{"cut mid-body", func(t *testing.T) http.HandlerFunc {
			return rawAnswer(t, fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
				len(whole), whole[:len(whole)/2]))
		}, "could not be read: unexpected EOF"},
		{"corrupt gzip", func(t *testing.T) http.HandlerFunc {
			return rawAnswer(t, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 15\r\n\r\nnot gzip at all")
		}, "could not be read: gzip"},
		{"over the size bound", func(*testing.T) http.HandlerFunc {
			return answerOf(http.StatusOK, "application/json", strings.Repeat(" ", 2*limit)+whole)
		}, "exceeded 65536 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newHandlerServer(t, tc.handler(t))
			f := newFixtureAt(t, s.URL+"/v1", Config{MaxRetries: 2, MaxResponseBytes: limit})
			_, err := f.chat(t)
			var perr *Error
			if !errors.As(err, &perr) || perr.Kind != KindProviderError || perr.Attempts != 1 || s.hits.Load() != 1 {
				t.Fatalf("got %v after %d requests, want one PROVIDER_ERROR attempt", err, s.hits.Load())
			}
			if !strings.Contains(perr.Error(), tc.reason) || strings.Contains(perr.Error(), testKey) {
				t.Errorf("error %q, want it to say %q", perr, tc.reason)
			}
			if len(f.waits) != 0 {
				t.Errorf("waited %v: want no retry", f.waits)
			}
			for errorType, want := range map[string]int64{m.ErrorProviderError: 1, m.ErrorProviderUnavailable: 0, "": 0} {
				if got := f.requests(t, errorType); got != want {
					t.Errorf("requests{error_type=%q} = %d, want %d", errorType, got, want)
				}
			}
		})
	}
}

// TestChatFailureBeforeAnswer: a failure before any answer (the connection
// reset before the status line; refused and timed-out calls have their own
// tests) is still PROVIDER_UNAVAILABLE and retried; an error answer cut
// short is classified by its status, as it would be whole.
func TestChatFailureBeforeAnswer(t *testing.T) {
	cutError := func(status int) string {
		return fmt.Sprintf("HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"error\":{\"mess",
			status, http.StatusText(status))
	}
	for _, tc := range []struct {
		name       string
		raw        string
		wantType   string
		wantStatus int
		attempts   int
	}{
		{"reset before the status line", "", m.ErrorProviderUnavailable, 0, 3},
		{"5xx cut mid-body", cutError(http.StatusInternalServerError), m.ErrorProviderUnavailable, 500, 3},
		{"400 cut mid-body", cutError(http.StatusBadRequest), m.ErrorProviderError, 400, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newHandlerServer(t, rawAnswer(t, tc.raw))
			f := newFixtureAt(t, s.URL+"/v1", Config{MaxRetries: 2})
			_, err := f.chat(t)
			var perr *Error
			if !errors.As(err, &perr) || perr.Kind.Label() != tc.wantType || perr.StatusCode != tc.wantStatus ||
				perr.Attempts != tc.attempts || s.hits.Load() != int64(tc.attempts) {
				t.Fatalf("got %v (status %d) after %d requests, want %s (status %d) after %d",
					err, perr.StatusCode, s.hits.Load(), tc.wantType, tc.wantStatus, tc.attempts)
			}
			if got := f.requests(t, tc.wantType); got != int64(tc.attempts) {
				t.Errorf("requests{error_type=%s} = %d, want %d", tc.wantType, got, tc.attempts)
			}
		})
	}
}
