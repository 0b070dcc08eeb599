package grafana

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/scanium/openai-monitoring/provisioner/config"
)

// exchange records the last request and response of one API call, so that
// the call's error can say what Grafana answered whatever error type the
// generated client made of it.
type exchange struct {
	method, path string
	status       int
	message      string
	// tooLarge is set when an answer passed the size limit.
	tooLarge *TooLargeError
}

type exchangeKey struct{}

func withExchange(ctx context.Context, ex *exchange) context.Context {
	return context.WithValue(ctx, exchangeKey{}, ex)
}

func exchangeFrom(ctx context.Context) *exchange {
	ex, _ := ctx.Value(exchangeKey{}).(*exchange)
	return ex
}

// maxErrorBody bounds how much of an error body is read for its message.
const maxErrorBody = 64 << 10

// observeTransport is the outermost transport: it fills the call's exchange
// with the final status and, for an error status, Grafana's message,
// redacted and capped.
type observeTransport struct {
	next   http.RoundTripper
	redact *config.Redactor
}

func (t observeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ex := exchangeFrom(req.Context())
	if ex != nil {
		// A redirect makes a new round trip: it starts afresh.
		ex.method, ex.path, ex.status, ex.message = req.Method, req.URL.Path, 0, ""
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil || ex == nil {
		return resp, err
	}
	ex.status = resp.StatusCode
	if resp.StatusCode >= 400 {
		body, readErr := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		_ = resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if readErr == nil {
			ex.message = serverText(t.redact, errorMessage(body), maxMessageLen)
		}
	}
	return resp, nil
}

// errorMessage extracts Grafana's {"message": ...} or the text of a
// non-JSON body, as it came: serverText makes it printable.
func errorMessage(body []byte) string {
	var payload struct {
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(body, &payload) == nil {
		if payload.Message != "" {
			return payload.Message
		}
		return payload.Error
	}
	return string(body)
}

// logTransport reports every attempt on one line: method, path, status and
// duration. It never prints headers or bodies.
type logTransport struct {
	next http.RoundTripper
	log  func(string)
	now  func() time.Time
}

func (t logTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := t.now()
	resp, err := t.next.RoundTrip(req)
	took := t.now().Sub(start).Round(time.Millisecond)
	if err != nil {
		t.log(fmt.Sprintf("http: %s %s: %v (%s)", req.Method, req.URL.Path, err, took))
		return nil, err
	}
	t.log(fmt.Sprintf("http: %s %s: %d (%s)", req.Method, req.URL.Path, resp.StatusCode, took))
	return resp, nil
}

// authTransport sets the credential and the organization on every request
// to Grafana's origin, and on no other. It is the only code that reads the
// secret's value.
type authTransport struct {
	next      http.RoundTripper
	origin    origin // GRAFANA_URL's
	header    string // the Authorization value
	orgID     string // X-Grafana-Org-Id, or ""
	userAgent string
}

func (t authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	// RoundTrip must not modify the caller's request.
	r := req.Clone(req.Context())
	r.Header.Del("Authorization")
	r.Header.Del("X-Grafana-Org-Id")
	if originOf(r.URL) == t.origin {
		r.Header.Set("Authorization", t.header)
		if t.orgID != "" {
			r.Header.Set("X-Grafana-Org-Id", t.orgID)
		}
	}
	if t.userAgent != "" {
		r.Header.Set("User-Agent", t.userAgent)
	}
	return t.next.RoundTrip(r)
}
