package openaiprovider

import (
	"bytes"
	"compress/gzip"
	"errors"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/scanium/openai-monitoring/backend/config"
	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// gzipBomb is about mib KiB of gzip that expands to mib MiB of spaces, which
// a JSON decoder reads on as whitespace: one member compressing 1 MiB,
// repeated (a gzip stream may be a series of members).
func gzipBomb(t *testing.T, mib int) []byte {
	t.Helper()
	var member bytes.Buffer
	zw, err := gzip.NewWriterLevel(&member, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(bytes.Repeat([]byte{' '}, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.Repeat(member.Bytes(), mib)
}

// TestChatGzipBomb: an answer of about 512 KiB of gzip that expands to
// 512 MiB, sent to a client that asked for gzip, is read up to the default
// bound after decompression and no further, whatever its status: one
// attempt, PROVIDER_ERROR, and the heap grows by a few MiB, not hundreds.
func TestChatGzipBomb(t *testing.T) {
	const expandedMiB = 512
	bomb := gzipBomb(t, expandedMiB)
	for _, tc := range []struct {
		name   string
		status int
		client *http.Client
		limit  int64 // Config.MaxResponseBytes
		want   int64 // the bound applied
	}{
		{"success status, default bound", http.StatusOK, nil, 0, config.DefaultOpenAIMaxResponseBytes},
		{"error status, default bound", http.StatusInternalServerError, nil, 0, config.DefaultOpenAIMaxResponseBytes},
		{"caller's HTTP client, bound set", http.StatusOK, &http.Client{}, 1 << 20, 1 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var askedGzip atomic.Bool
			s := newHandlerServer(t, func(w http.ResponseWriter, r *http.Request) {
				askedGzip.Store(r.Header.Get("Accept-Encoding") == "gzip")
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Encoding", "gzip")
				w.WriteHeader(tc.status)
				_, _ = w.Write(bomb)
			})
			f := newFixtureAt(t, s.URL+"/v1", Config{MaxRetries: 2, HTTPClient: tc.client, MaxResponseBytes: tc.limit})

			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := f.chat(t)
			runtime.ReadMemStats(&after)

			if !askedGzip.Load() {
				t.Fatal("the client did not ask for gzip: the bomb was not decompressed by the transport")
			}
			var perr *Error
			var tooLarge *ResponseTooLargeError
			if !errors.As(err, &perr) || perr.Kind != KindProviderError || perr.Attempts != 1 || s.hits.Load() != 1 {
				t.Fatalf("got %v after %d requests, want one PROVIDER_ERROR attempt", err, s.hits.Load())
			}
			if !errors.As(err, &tooLarge) || tooLarge.Limit != tc.want || perr.StatusCode != tc.status {
				t.Errorf("error %v (status %d), want a *ResponseTooLargeError at %d bytes for HTTP %d", err, perr.StatusCode, tc.want, tc.status)
			}
			if want := "exceeded " + strconv.FormatInt(tc.want, 10) + " bytes"; !strings.Contains(perr.Error(), want) {
				t.Errorf("error %q does not say %q", perr, want)
			}
			// TotalAlloc only grows: it bounds the heap's growth during the call.
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
				t.Errorf("reading the answer allocated %d MiB for a bound of %d MiB", grew>>20, tc.want>>20)
			}
			if got := f.requests(t, m.ErrorProviderError); got != 1 {
				t.Errorf("PROVIDER_ERROR requests = %d, want 1", got)
			}
		})
	}
}

// TestChatResponseBound: an answer of exactly MaxResponseBytes is read and
// decoded; one byte more is refused.
func TestChatResponseBound(t *testing.T) {
	const limit = 64 << 10
	body := completionJSON(12, 4, 16)
	for _, tc := range []struct {
		size    int
		wantErr bool
	}{{limit, false}, {limit + 1, true}} {
		// Leading whitespace, which the decoder reads through, pads the answer.
		padded := strings.Repeat(" ", tc.size-len(body)) + body
		s := newHandlerServer(t, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(padded))
		})
		f := newFixtureAt(t, s.URL+"/v1", Config{MaxResponseBytes: limit})
		_, err := f.chat(t)
		var tooLarge *ResponseTooLargeError
		if got := errors.As(err, &tooLarge); got != tc.wantErr || (err != nil && !got) {
			t.Errorf("answer of %d bytes, bound %d: error %v", tc.size, limit, err)
		}
	}
}
