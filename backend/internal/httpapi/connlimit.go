package httpapi

import (
	"container/list"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// ConnLimiter caps a server's open client connections. At the cap, a new
// connection evicts the one idle longest among those with no request in
// flight (new, or idle between keep-alive requests, as http.Server's
// ConnState reports), the way nginx drops keep-alive connections when it
// runs out: a flood of idle sockets cannot keep /healthz from being
// answered. A connection still sending its request header counts as new
// (http.Server reports it active once the header is read), so slow headers
// cannot hold connections either. Only when every connection is busy is the
// new one answered a minimal raw 503 (Retry-After, Connection: close, a JSON
// error TOO_MANY_CONNECTIONS) and closed.
//
// Wrap the server's listener with Listener and set its ConnState to
// ConnState.
type ConnLimiter struct {
	max     int
	logger  *slog.Logger
	refusal []byte

	mu   sync.Mutex
	open int
	// idle holds the connections with no request in flight, longest idle
	// first.
	idle list.List

	// lingering bounds the refused connections being closed gently.
	lingering chan struct{}
	evicted   atomic.Int64
	refused   atomic.Int64
	warned    atomic.Int64 // unix nanoseconds of the last warning
}

// Timings of a refused connection: the raw answer must fit its socket's
// buffer at once; then what the client sends is read and dropped for a
// moment, so that closing does not reset the connection before the client
// has read the answer.
const (
	refusalWriteTimeout = 100 * time.Millisecond
	refusalLinger       = time.Second
	refusalMaxRead      = 64 << 10
	// maxLingering bounds the refused connections lingering at once (it is
	// part of config.FileDescriptorReserve); beyond it they are closed at
	// once.
	maxLingering = 32
	// refusalWarnEvery spaces out the log lines about refused connections.
	refusalWarnEvery = 10 * time.Second
)

// NewConnLimiter returns a limiter of limit connections (at least 1).
// logger (which may be nil) is told, at most every 10 s, that connections are
// being refused.
func NewConnLimiter(limit int, logger *slog.Logger) *ConnLimiter {
	limit = max(limit, 1)
	body, _ := json.Marshal(apiError{Error: errorBody{
		Code: CodeTooManyConnections,
		Message: fmt.Sprintf("the server holds its maximum of %d connections (MAX_CONNECTIONS), each with a request in flight: retry in a second",
			limit),
	}})
	body = append(body, '\n')
	refusal := fmt.Appendf(nil, "HTTP/1.1 503 Service Unavailable\r\n"+
		"Content-Type: application/json; charset=utf-8\r\n"+
		"X-Content-Type-Options: nosniff\r\n"+
		"Retry-After: 1\r\n"+
		"Connection: close\r\n"+
		"Content-Length: %d\r\n\r\n%s", len(body), body)
	return &ConnLimiter{max: limit, logger: logger, refusal: refusal, lingering: make(chan struct{}, maxLingering)}
}

// ConnStats counts what a ConnLimiter did.
type ConnStats struct {
	// Open is the number of connections open now, and Idle how many of
	// them have no request in flight.
	Open, Idle int
	// Evicted counts the idle connections closed to make room for new ones.
	Evicted int64
	// Refused counts the connections answered 503 because all were busy.
	Refused int64
}

// Stats returns the limiter's counts.
func (l *ConnLimiter) Stats() ConnStats {
	l.mu.Lock()
	open, idle := l.open, l.idle.Len()
	l.mu.Unlock()
	return ConnStats{Open: open, Idle: idle, Evicted: l.evicted.Load(), Refused: l.refused.Load()}
}

// Listener wraps ln: every connection it accepts is counted, and admitted,
// made room for, or refused.
func (l *ConnLimiter) Listener(ln net.Listener) net.Listener {
	return &limitedListener{Listener: ln, limiter: l}
}

type limitedListener struct {
	net.Listener
	limiter *ConnLimiter
}

func (ln *limitedListener) Accept() (net.Conn, error) {
	for {
		c, err := ln.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if lc := ln.limiter.admit(c); lc != nil {
			return lc, nil
		}
	}
}

// limitedConn is an admitted connection.
type limitedConn struct {
	net.Conn
	limiter *ConnLimiter
	// Guarded by limiter.mu: the connection's place in limiter.idle (nil
	// while a request is in flight), and whether it is no longer counted.
	idle    *list.Element
	counted bool
}

func (c *limitedConn) Close() error {
	c.limiter.mu.Lock()
	c.limiter.forget(c)
	c.limiter.mu.Unlock()
	return c.Conn.Close()
}

// admit counts c in, evicting the longest-idle connection at the cap. It
// returns nil when c was refused.
func (l *ConnLimiter) admit(c net.Conn) *limitedConn {
	lc := &limitedConn{Conn: c, limiter: l, counted: true}
	var victim *limitedConn
	l.mu.Lock()
	if l.open >= l.max {
		oldest := l.idle.Front()
		if oldest == nil {
			l.mu.Unlock()
			l.refuse(c)
			return nil
		}
		victim = oldest.Value.(*limitedConn)
		l.forget(victim)
	}
	l.open++
	lc.idle = l.idle.PushBack(lc) // new: no request yet
	l.mu.Unlock()
	if victim != nil {
		l.evicted.Add(1)
		_ = victim.Conn.Close()
	}
	return lc
}

// forget stops counting c. The caller holds l.mu.
func (l *ConnLimiter) forget(c *limitedConn) {
	if !c.counted {
		return
	}
	c.counted = false
	l.open--
	if c.idle != nil {
		l.idle.Remove(c.idle)
		c.idle = nil
	}
}

// ConnState follows the connections' states; set it as the
// http.Server's ConnState.
func (l *ConnLimiter) ConnState(c net.Conn, state http.ConnState) {
	lc, ok := c.(*limitedConn)
	if !ok || lc.limiter != l {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !lc.counted {
		return
	}
	switch state {
	case http.StateIdle:
		if lc.idle != nil {
			l.idle.MoveToBack(lc.idle)
		} else {
			lc.idle = l.idle.PushBack(lc)
		}
	case http.StateActive, http.StateHijacked:
		// Busy: never evicted. A hijacked connection stays counted until
		// it is closed.
		if lc.idle != nil {
			l.idle.Remove(lc.idle)
			lc.idle = nil
		}
	case http.StateClosed:
		l.forget(lc)
	}
}

// refuse answers c the raw 503 and closes it.
func (l *ConnLimiter) refuse(c net.Conn) {
	l.refused.Add(1)
	l.warn()
	_ = c.SetWriteDeadline(time.Now().Add(refusalWriteTimeout))
	if _, err := c.Write(l.refusal); err != nil {
		_ = c.Close()
		return
	}
	select {
	case l.lingering <- struct{}{}:
		go func() {
			defer func() { <-l.lingering }()
			closeGently(c)
		}()
	default:
		_ = c.Close()
	}
}

// closeGently half-closes c and reads what the client still sends for a
// moment before closing: closing a socket with unread data resets the
// connection, and the client could lose the answer.
func closeGently(c net.Conn) {
	if hc, ok := c.(interface{ CloseWrite() error }); ok {
		_ = hc.CloseWrite()
	}
	_ = c.SetReadDeadline(time.Now().Add(refusalLinger))
	_, _ = io.Copy(io.Discard, io.LimitReader(c, refusalMaxRead))
	_ = c.Close()
}

func (l *ConnLimiter) warn() {
	if l.logger == nil {
		return
	}
	now := time.Now().UnixNano()
	last := l.warned.Load()
	if now-last < int64(refusalWarnEvery) || !l.warned.CompareAndSwap(last, now) {
		return
	}
	l.logger.Warn("refusing connections: every connection up to MAX_CONNECTIONS has a request in flight",
		"max_connections", l.max, "refused_total", l.refused.Load(), "evicted_total", l.evicted.Load())
}
