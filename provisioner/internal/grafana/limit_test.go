package grafana

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/scanium/openai-monitoring/provisioner/config"
)

// hugeBody is how much a hostile health endpoint would send: far more than
// DefaultMaxResponseBytes.
const hugeBody = 512 << 20

// healthPrefix opens a JSON health answer whose version never ends, so
// that a JSON decoder keeps reading.
const healthPrefix = `{"database":"ok","version":"`

// streamingHealth streams a health answer of hugeBody bytes, never held in
// memory, and counts what it could send.
func streamingHealth(t *testing.T, sent *atomic.Int64) *httptest.Server {
	chunk := bytes.Repeat([]byte("a"), 64<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		n, _ := w.Write([]byte(healthPrefix))
		sent.Add(int64(n))
		for total := int64(n); total < hugeBody; total += int64(len(chunk)) {
			n, err := w.Write(chunk)
			sent.Add(int64(n))
			if err != nil {
				return // the client hung up
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestHugeAnswerIsCut(t *testing.T) {
	var sent atomic.Int64
	srv := streamingHealth(t, &sent)
	c := newClient(t, config.Config{GrafanaURL: srv.URL, Token: token}, Options{})
	_, err := c.Health(context.Background())
	want := "the answer from GET /api/health exceeded 33554432 bytes (32 MiB), the provisioner's limit for one answer of Grafana"
	if err == nil || err.Error() != want {
		t.Errorf("error = %.500v\nwant %q", err, want)
	}
	c.Close()
	srv.Close() // waits for the handler: sent is final
	if n := sent.Load(); n >= hugeBody/2 {
		t.Errorf("the server could send %d bytes: the client read on", n)
	}
}

// gzipBomb is a gzip body of a few hundred KiB that expands to
// healthPrefix and hugeBody bytes: gzip members (RFC 1952) of 1 MiB each,
// compressed once and repeated.
func gzipBomb(t *testing.T) []byte {
	member := func(data []byte) []byte {
		var buf bytes.Buffer
		zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := zw.Write(data); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	mib := member(bytes.Repeat([]byte("a"), 1<<20))
	bomb := append([]byte(nil), member([]byte(healthPrefix))...)
	for range hugeBody >> 20 {
		bomb = append(bomb, mib...)
	}
	return bomb
}

func TestGzipBombIsCutAfterDecompression(t *testing.T) {
	bomb := gzipBomb(t)
	if len(bomb) > 1<<20 {
		t.Fatalf("the bomb is %d bytes, want less than 1 MiB", len(bomb))
	}
	var gzipped atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			http.Error(w, "gzip only", http.StatusNotAcceptable)
			return
		}
		gzipped.Store(true)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(bomb)
	}))
	defer srv.Close()
	c := newClient(t, config.Config{GrafanaURL: srv.URL, Token: token}, Options{})

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := c.Health(context.Background())
	runtime.ReadMemStats(&after)

	want := "the answer from GET /api/health exceeded 33554432 bytes (32 MiB), the provisioner's limit for one answer of Grafana"
	if err == nil || err.Error() != want {
		t.Errorf("error = %.500v\nwant %q", err, want)
	}
	if !gzipped.Load() {
		t.Errorf("the client did not ask for gzip: the bomb was not sent")
	}
	// Reading the whole answer would allocate well over hugeBody bytes.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > hugeBody/2 {
		t.Errorf("the call allocated %d MiB: the answer was not cut", alloc>>20)
	}
}

func TestAnswerAtTheLimitIsRead(t *testing.T) {
	body := `{"database":"ok","version":"` + strings.Repeat("a", 1000) + `"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	for limit, ok := range map[int64]bool{int64(len(body)): true, int64(len(body)) - 1: false} {
		c := newClient(t, config.Config{GrafanaURL: srv.URL, Token: token}, Options{MaxResponseBytes: limit})
		_, err := c.Health(context.Background())
		if ok != (err == nil) {
			t.Errorf("limit %d for %d bytes: error = %v", limit, len(body), err)
		}
	}
}
