package app

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scanium/openai-monitoring/backend/openaisim"
	"github.com/scanium/openai-monitoring/backend/openaisim/simtest"
)

// hangingSimulator is an OpenAI that never answers a chat completion (until
// the test ends and it stops).
func hangingSimulator(t *testing.T) (*openaisim.Server, string) {
	t.Helper()
	return simtest.Start(t, openaisim.Config{FaultRates: openaisim.FaultRates{openaisim.FaultHang: 1}})
}

// holdChats sends n chat requests that OpenAI holds, and waits until all of
// them have reached it.
func holdChats(t *testing.T, sim *openaisim.Server, baseURL string, n int) {
	t.Helper()
	before := sim.Stats().InFlight()
	for range n {
		go postChat(&http.Client{}, baseURL) // ends when the simulator stops
	}
	waitUntil(t, strconv.Itoa(n)+" chat requests reach OpenAI", func() bool { return sim.Stats().InFlight() == before+int64(n) })
}

func TestChatBeyondMaxInFlightRequestsIsRefusedAtOnce(t *testing.T) {
	// OpenAI hangs: MAX_IN_FLIGHT_REQUESTS chat requests wait on it, the
	// next ones are refused with 503 OVERLOADED without reaching it, and
	// /healthz still answers.
	const limit, extra = 4, 3
	sim, simURL := hangingSimulator(t)
	b := startBackend(t, map[string]string{
		"SCANIUM_API_KEYS": clientKey, "OPENAI_API_KEY": "sk-x", "OPENAI_BASE_URL": simURL,
		"OPENAI_MAX_RETRIES": "0", "OTEL_ENABLED": "false", "MAX_IN_FLIGHT_REQUESTS": strconv.Itoa(limit),
	})
	holdChats(t, sim, b.url, limit)

	for i := range extra {
		a := postChat(quickClient(), b.url)
		if a.err != nil {
			t.Fatalf("request %d beyond the limit: %v", i, a.err)
		}
		if a.status != http.StatusServiceUnavailable || a.code != "OVERLOADED" || a.header.Get("Retry-After") != "1" {
			t.Errorf("request %d beyond the limit: %d %q Retry-After %q, want 503 OVERLOADED Retry-After 1: %s",
				i, a.status, a.code, a.header.Get("Retry-After"), a.body)
		}
	}
	if a := do(quickClient(), mustRequest(t, http.MethodGet, b.url+"/healthz")); a.err != nil || a.status != http.StatusOK {
		t.Errorf("/healthz while chat requests are at their limit: %d %v", a.status, a.err)
	}
	if got := sim.Stats().Received; got != limit {
		t.Errorf("OpenAI received %d requests, want only the %d within the limit", got, limit)
	}
}

func mustRequest(t *testing.T, method, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestIdleConnectionFloodLeavesRoomForHealthz(t *testing.T) {
	// Far more idle sockets than MAX_CONNECTIONS: the longest idle ones are
	// dropped for the new ones, /healthz answers, and the backend holds no
	// more than MAX_CONNECTIONS of them.
	const maxConnections, idle = 8, 40
	b := startBackend(t, map[string]string{
		"SCANIUM_API_KEYS": clientKey, "OTEL_ENABLED": "false",
		"MAX_CONNECTIONS": strconv.Itoa(maxConnections), "MAX_IN_FLIGHT_REQUESTS": "4",
	})
	before := openDescriptors(t)
	conns := make([]net.Conn, idle)
	for i := range conns {
		c, err := net.Dial("tcp", strings.TrimPrefix(b.url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	// Accepted after every idle one: when it is answered, all were accepted.
	if a := do(quickClient(), mustRequest(t, http.MethodGet, b.url+"/healthz")); a.err != nil || a.status != http.StatusOK {
		t.Fatalf("/healthz behind %d idle connections: %d %v", idle, a.status, a.err)
	}
	// This process holds both ends: the test's idle ones, and the server's.
	const slack = 4
	if held := openDescriptors(t) - before - idle; held > maxConnections+slack {
		t.Errorf("the server holds %d descriptors for %d idle connections, want at most MAX_CONNECTIONS (%d)", held, idle, maxConnections)
	}
	// The first connection was idle longest: it was dropped.
	_ = conns[0].SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := conns[0].Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("the longest-idle connection is still open (read: %v)", err)
	}
}

func TestHeadersBeyondMaxHeaderBytesAre431(t *testing.T) {
	for _, tc := range []struct {
		name      string
		vars      map[string]string
		ok, large int
	}{
		{"default", map[string]string{}, 16 << 10, 40 << 10},
		{"configured", map[string]string{"MAX_HEADER_BYTES": "8192"}, 4 << 10, 16 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.vars["SCANIUM_API_KEYS"], tc.vars["OTEL_ENABLED"] = clientKey, "false"
			b := startBackend(t, tc.vars)
			for size, want := range map[int]int{tc.ok: http.StatusOK, tc.large: http.StatusRequestHeaderFieldsTooLarge} {
				req := mustRequest(t, http.MethodGet, b.url+"/healthz")
				req.Header.Set("X-Padding", strings.Repeat("p", size))
				// Go's server answers 431 and closes while the client may
				// still be sending: reading on may then fail.
				if a := do(quickClient(), req); a.status != want {
					t.Errorf("a %d KiB header: %d %v, want %d", size>>10, a.status, a.err, want)
				}
			}
		})
	}
}

func TestAllConnectionsBusyRefusesANewOneWithARaw503(t *testing.T) {
	// MAX_CONNECTIONS=2, both busy: one chat request waits on OpenAI; the
	// other is refused OVERLOADED, but its client has sent only part of its
	// body, which the server reads to its end before it answers. A third
	// connection evicts neither: it is answered a raw 503 and closed.
	sim, simURL := hangingSimulator(t)
	b := startBackend(t, map[string]string{
		"SCANIUM_API_KEYS": clientKey, "OPENAI_API_KEY": "sk-x", "OPENAI_BASE_URL": simURL, "OPENAI_MAX_RETRIES": "0",
		"OTEL_ENABLED": "false", "MAX_CONNECTIONS": "2", "MAX_IN_FLIGHT_REQUESTS": "1",
	})
	addr := strings.TrimPrefix(b.url, "http://")
	holdChats(t, sim, b.url, 1)

	slow := dialRaw(t, addr)
	_, _ = slow.Write([]byte("POST /api/assistant/chat HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer " + clientKey +
		"\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"message\": "))
	// The access log line comes once the handler has refused it: the
	// connection is busy from then on.
	waitUntil(t, "the second chat request is refused", func() bool {
		return strings.Contains(b.stdout.String(), `"error_code":"OVERLOADED"`)
	})

	extra := dialRaw(t, addr)
	_, _ = extra.Write([]byte("GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n"))
	resp := readRaw(t, extra)
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" || !resp.Close ||
		json.Unmarshal(body, &e) != nil || e.Error.Code != "TOO_MANY_CONNECTIONS" {
		t.Errorf("a third connection: %s %v %q, want the raw 503 TOO_MANY_CONNECTIONS", resp.Status, resp.Header, body)
	}
	if got := sim.Stats().InFlight(); got != 1 {
		t.Errorf("%d requests in flight at OpenAI, want the busy one still there", got)
	}
}

func dialRaw(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func readRaw(t *testing.T, c net.Conn) *http.Response {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("read the answer: %v", err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}
