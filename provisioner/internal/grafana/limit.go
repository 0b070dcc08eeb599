package grafana

import (
	"fmt"
	"io"
	"net/http"
	"sync"
)

// DefaultMaxResponseBytes bounds one answer of Grafana as read, counted
// after decompression. The largest answers the provisioner reads are a
// dashboard's JSON (rarely over a few MiB), a search page of 1000 hits and
// the list of every alert rule of the organization (about 2 KiB a rule):
// 32 MiB leaves them ample room while keeping what a broken or hostile
// server can make the provisioner hold to a bound (times -concurrency).
const DefaultMaxResponseBytes = 32 << 20

// TooLargeError is an answer longer than the limit: the call fails
// rather than read on.
type TooLargeError struct {
	Method, Path string
	Limit        int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the answer from %s %s exceeded %d bytes (%s), the provisioner's limit for one answer of Grafana",
		e.Method, e.Path, e.Limit, mebibytes(e.Limit))
}

// mebibytes renders n as "32 MiB" when it is a whole number of MiB.
func mebibytes(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// limitTransport bounds every response body it passes on. It sits right
// above the http.Transport, which has already undone any gzip it asked
// for: the limit counts decompressed bytes.
type limitTransport struct {
	next  http.RoundTripper
	limit int64
}

func (t limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	resp.Body = &limitedBody{
		body:      resp.Body,
		remaining: t.limit,
		tooLarge:  &TooLargeError{Method: req.Method, Path: req.URL.Path, Limit: t.limit},
		ex:        exchangeFrom(req.Context()),
	}
	return resp, nil
}

// limitedBody reads at most remaining bytes of body; past them it closes
// body (so the server stops sending), records the failure in the call's
// exchange and fails every read.
type limitedBody struct {
	body      io.ReadCloser
	remaining int64
	tooLarge  *TooLargeError
	ex        *exchange

	once   sync.Once
	failed bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.failed {
		return 0, b.tooLarge
	}
	// Ask for one byte more than allowed, to tell "exactly the limit"
	// from "more".
	if int64(len(p)) > b.remaining+1 {
		p = p[:b.remaining+1]
	}
	n, err := b.body.Read(p)
	if int64(n) <= b.remaining {
		b.remaining -= int64(n)
		return n, err
	}
	n = int(b.remaining)
	b.remaining = 0
	b.failed = true
	if b.ex != nil {
		b.ex.tooLarge = b.tooLarge
	}
	b.closeBody()
	return n, b.tooLarge
}

func (b *limitedBody) Close() error {
	var err error
	b.once.Do(func() { err = b.body.Close() })
	return err
}

func (b *limitedBody) closeBody() { _ = b.Close() }
