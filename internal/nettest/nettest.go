// Package nettest gives tests addresses on the loopback: one where nothing
// listens, to see how a client meets a refused connection, or to start a
// server on later.
package nettest

import (
	"net"
	"testing"
)

// ClosedAddr returns a loopback host:port nothing listens on now: the
// address of a listener the system chose and that is closed again.
func ClosedAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}
