package httpapi

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// limitedServer is an http.Server on 127.0.0.1 behind a ConnLimiter; its
// /block requests wait until release is closed.
type limitedServer struct {
	addr    string
	limiter *ConnLimiter
	entered chan struct{}
	release chan struct{}
}

func startLimitedServer(t *testing.T, maxConns int) *limitedServer {
	t.Helper()
	s := &limitedServer{limiter: NewConnLimiter(maxConns, nil), entered: make(chan struct{}, 100), release: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	mux.HandleFunc("/block", func(w http.ResponseWriter, _ *http.Request) {
		s.entered <- struct{}{}
		<-s.release
		_, _ = io.WriteString(w, "released")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	srv := &http.Server{Handler: mux, ConnState: s.limiter.ConnState, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(s.limiter.Listener(ln)) }()
	t.Cleanup(func() {
		select {
		case <-s.release:
		default:
			close(s.release)
		}
		_ = srv.Close()
	})
	return s
}

// conn is a raw client connection that sends requests by hand.
type conn struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, addr string) *conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &conn{t: t, c: c, r: bufio.NewReader(c)}
}

func (c *conn) send(path string) {
	c.t.Helper()
	if _, err := io.WriteString(c.c, "GET "+path+" HTTP/1.1\r\nHost: test\r\n\r\n"); err != nil {
		c.t.Fatal(err)
	}
}

func (c *conn) read() (*http.Response, string, error) {
	_ = c.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, string(body), err
}

func (c *conn) get(path string) (*http.Response, string) {
	c.t.Helper()
	c.send(path)
	resp, body, err := c.read()
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	return resp, body
}

// closedByServer tells whether the server has closed c: a read ends at once
// with EOF (or a reset) instead of waiting.
func (c *conn) closedByServer(wait time.Duration) bool {
	_ = c.c.SetReadDeadline(time.Now().Add(wait))
	_, err := c.r.ReadByte()
	return err != nil && !errors.Is(err, os.ErrDeadlineExceeded)
}

func waitForStats(t *testing.T, l *ConnLimiter, what string, cond func(ConnStats) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond(l.Stats()) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s: %+v", what, l.Stats())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestEveryConnectionBusyRefusesANewOneWithARaw503(t *testing.T) {
	s := startLimitedServer(t, 2)
	busy := []*conn{dial(t, s.addr), dial(t, s.addr)}
	for _, c := range busy {
		c.send("/block")
	}
	<-s.entered
	<-s.entered

	extra := dial(t, s.addr)
	extra.send("/ok")
	resp, body, err := extra.read()
	if err != nil {
		t.Fatalf("the refused connection got no answer: %v", err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" || !resp.Close ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Errorf("answer %s, headers %v: want 503 with Retry-After: 1, Connection: close, JSON", resp.Status, resp.Header)
	}
	var e apiError
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Code != CodeTooManyConnections || !strings.Contains(e.Error.Message, "2 connections") {
		t.Errorf("body %q (%v): want the JSON error %s saying the limit", body, err, CodeTooManyConnections)
	}
	if !extra.closedByServer(10 * time.Second) {
		t.Error("the refused connection is still open")
	}
	if st := s.limiter.Stats(); st.Refused != 1 || st.Evicted != 0 || st.Open != 2 {
		t.Errorf("stats %+v: want 1 refused, none evicted, 2 open", st)
	}

	// The busy connections were not touched, and once idle they make room.
	close(s.release)
	for _, c := range busy {
		if resp, body, err := c.read(); err != nil || resp.StatusCode != http.StatusOK || body != "released" {
			t.Errorf("a busy connection: %v %q %v", resp, body, err)
		}
	}
	waitForStats(t, s.limiter, "both are idle", func(st ConnStats) bool { return st.Idle == 2 })
	if resp, _ := dial(t, s.addr).get("/ok"); resp.StatusCode != http.StatusOK {
		t.Errorf("a new connection once the others are idle: %s", resp.Status)
	}
}

func TestANewConnectionEvictsTheLongestIdle(t *testing.T) {
	s := startLimitedServer(t, 3)
	var conns []*conn
	for i := range 3 {
		c := dial(t, s.addr)
		if resp, _ := c.get("/ok"); resp.StatusCode != http.StatusOK {
			t.Fatalf("connection %d: %s", i, resp.Status)
		}
		waitForStats(t, s.limiter, "the connection is idle", func(st ConnStats) bool { return st.Idle == i+1 })
		conns = append(conns, c)
	}
	// The first is now the most recently used: the second is idle longest.
	if resp, _ := conns[0].get("/ok"); resp.StatusCode != http.StatusOK {
		t.Fatal(resp.Status)
	}
	waitForStats(t, s.limiter, "all three are idle", func(st ConnStats) bool { return st.Idle == 3 })

	if resp, _ := dial(t, s.addr).get("/ok"); resp.StatusCode != http.StatusOK {
		t.Fatalf("a fourth connection: %s", resp.Status)
	}
	if !conns[1].closedByServer(10 * time.Second) {
		t.Error("the longest-idle connection was not closed")
	}
	for _, i := range []int{0, 2} {
		if resp, _ := conns[i].get("/ok"); resp.StatusCode != http.StatusOK {
			t.Errorf("connection %d, idle for less long: %s", i, resp.Status)
		}
	}
	if st := s.limiter.Stats(); st.Evicted != 1 || st.Refused != 0 || st.Open != 3 {
		t.Errorf("stats %+v: want 1 evicted, none refused, 3 open", st)
	}
}

func TestAFloodOfSilentConnectionsCannotCrowdOutARequest(t *testing.T) {
	// Connections that never send a byte are state new: evictable. The
	// server never holds more than its limit, and a real request is served.
	const limit, silent = 4, 10
	s := startLimitedServer(t, limit)
	var conns []*conn
	for range silent {
		conns = append(conns, dial(t, s.addr))
	}
	// Accepted after the silent ones (the kernel queues connections in
	// order): once answered, all were accepted.
	if resp, _ := dial(t, s.addr).get("/ok"); resp.StatusCode != http.StatusOK {
		t.Fatalf("a request behind %d silent connections: %s", silent, resp.Status)
	}
	if st := s.limiter.Stats(); st.Open != limit || st.Evicted != silent+1-limit || st.Refused != 0 {
		t.Errorf("stats %+v: want %d open and %d evicted", st, limit, silent+1-limit)
	}
	for i, c := range conns[:silent+1-limit] {
		if !c.closedByServer(10 * time.Second) {
			t.Errorf("silent connection %d, among the oldest, is still open", i)
		}
	}
}

func TestClosedConnectionsAreNoLongerCounted(t *testing.T) {
	s := startLimitedServer(t, 5)
	a, b := dial(t, s.addr), dial(t, s.addr)
	a.get("/ok")
	b.get("/ok")
	waitForStats(t, s.limiter, "two are open", func(st ConnStats) bool { return st.Open == 2 })
	a.c.Close()
	waitForStats(t, s.limiter, "the closed one is forgotten", func(st ConnStats) bool { return st.Open == 1 && st.Idle == 1 })
}
