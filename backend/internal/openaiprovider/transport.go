package openaiprovider

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/scanium/openai-monitoring/internal/httporigin"
)

// maxRedirects is net/http's own bound on a chain of redirects, kept when
// the provider installs its redirect policy in place of the default one.
const maxRedirects = 10

// RedirectError is a redirect the provider refused because it leads to
// another origin than the base URL's: that origin would receive the API key
// (net/http keeps the Authorization header when only the port or the scheme
// changes). It names origins only, never a path or a query.
type RedirectError struct {
	// From is the base URL's origin, To the redirect's: scheme://host:port.
	From, To string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("refused a redirect from %s to %s: the API key goes to the base URL's origin only", e.From, e.To)
}

// ResponseTooLargeError is the read error of an answer longer than
// Config.MaxResponseBytes, counted after decompression.
type ResponseTooLargeError struct {
	// Limit is the bound in bytes; StatusCode the answer's HTTP status.
	Limit      int64
	StatusCode int
}

func (e *ResponseTooLargeError) Error() string {
	return fmt.Sprintf("the answer exceeded %d bytes", e.Limit)
}

// bodyReadError is a failure to read an answer's body once its status and
// headers came (a cut connection, a corrupt gzip stream); it keeps the
// status, which go-openai drops when it cannot read an error body.
type bodyReadError struct {
	statusCode int
	err        error
}

func (e *bodyReadError) Error() string { return e.err.Error() }
func (e *bodyReadError) Unwrap() error { return e.err }

// newHTTPClient returns the client the provider sends with: a copy of the
// caller's (which is left as it was), or one of the provider's own. Either
// way it follows redirects within the base URL's origin only, and reads at
// most maxBytes of any answer's body.
func newHTTPClient(caller *http.Client, baseURL string, maxBytes int64) *http.Client {
	client := &http.Client{Transport: newTransport()}
	if caller != nil {
		copied := *caller
		client = &copied
	}
	base := client.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	client.Transport = &limitedTransport{base: base, maxBytes: maxBytes}
	client.CheckRedirect = sameOriginRedirects(baseOrigin(baseURL), client.CheckRedirect)
	return client
}

// newTransport is a transport of the provider's own, sized for many
// concurrent calls to one host.
func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 100
	t.MaxIdleConnsPerHost = 100
	return t
}

// sameOriginRedirects is a redirect policy that refuses any redirect out of
// origin, then applies next (the caller's policy) or net/http's default.
func sameOriginRedirects(origin string, next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if to := httporigin.Of(req.URL); to != origin {
			return &RedirectError{From: origin, To: to}
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		return nil
	}
}

// baseOrigin is the origin of the configured base URL; an unparsable one
// has none, so that every redirect is refused.
func baseOrigin(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil {
		return "(no origin)"
	}
	return httporigin.Of(u)
}

// limitedTransport bounds every answer's body, error bodies included, to
// maxBytes as read. It wraps the body the base transport returns, which is
// already decompressed when the transport asked for gzip itself, so the
// bound applies to what is decoded, not to what crossed the wire.
type limitedTransport struct {
	base     http.RoundTripper
	maxBytes int64
}

func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp == nil {
		return resp, err
	}
	noteAnswerStatus(req.Context(), resp.StatusCode)
	if resp.Header == nil {
		// A non-nil header is how the provider tells an answer came.
		resp.Header = http.Header{}
	}
	if note, ok := req.Context().Value(answerNoteKey{}).(*answerNote); ok {
		note.header = resp.Header
	}
	body := resp.Body
	if body == nil {
		body = http.NoBody
	}
	resp.Body = &limitedBody{body: body, remaining: t.maxBytes, limit: t.maxBytes, statusCode: resp.StatusCode}
	return resp, nil
}

// answerNote keeps the header of a streamed attempt's answer: go-openai
// returns no stream, and so no header, for an error status, whose
// rate-limit and retry-after headers the provider still reads.
type answerNote struct {
	header http.Header
}

type answerNoteKey struct{}

// limitedBody reads at most limit bytes of body; the read that would go
// beyond fails with a *ResponseTooLargeError, and so does every read after.
type limitedBody struct {
	body       io.ReadCloser
	remaining  int64
	limit      int64
	statusCode int
	err        error
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	// Ask for one byte more than is left, to tell an answer of exactly
	// limit bytes from a longer one.
	if int64(len(p))-1 > b.remaining {
		p = p[:b.remaining+1]
	}
	n, err := b.body.Read(p)
	if int64(n) > b.remaining {
		n, b.remaining = int(b.remaining), 0
		b.err = &ResponseTooLargeError{Limit: b.limit, StatusCode: b.statusCode}
		return n, b.err
	}
	b.remaining -= int64(n)
	if err != nil && !errors.Is(err, io.EOF) {
		b.err = &bodyReadError{statusCode: b.statusCode, err: err}
		return n, b.err
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.body.Close() }
