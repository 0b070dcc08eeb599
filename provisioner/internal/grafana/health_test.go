package grafana

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scanium/openai-monitoring/internal/nettest"

	"github.com/scanium/openai-monitoring/provisioner/config"
)

// serveHealth starts a healthy Grafana's /api/health on addr.
func serveHealth(t *testing.T, addr string) {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s again: %v", addr, err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"commit":"abc","database":"ok","version":"12.0.0"}`)
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
}

func TestHealthFailsAtOnceWhenTheConnectionIsRefused(t *testing.T) {
	addr := nettest.ClosedAddr(t)
	c := newClient(t, config.Config{GrafanaURL: "http://" + addr, Token: token}, Options{})
	waited := 0
	_, err := c.WaitHealthy(context.Background(), WaitOptions{Waiting: func(error) { waited++ }})
	if err == nil {
		t.Fatal("WaitHealthy succeeded against a closed port")
	}
	want := "Grafana at http://" + addr + " refused the connection: is GRAFANA_URL right? ("
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %q, want it to start with %q", err, want)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("error %v does not wrap ECONNREFUSED", err)
	}
	if waited != 0 {
		t.Errorf("it said that it waits %d time(s), with no wait", waited)
	}
	if strings.Contains(err.Error(), token) {
		t.Errorf("the error holds the token")
	}
}

func TestHealthWaitRetriesARefusedConnection(t *testing.T) {
	addr := nettest.ClosedAddr(t)
	c := newClient(t, config.Config{GrafanaURL: "http://" + addr, Token: token}, Options{})
	var reasons []error
	h, err := c.WaitHealthy(context.Background(), WaitOptions{
		Timeout:  time.Minute,
		Interval: 5 * time.Millisecond,
		// Grafana comes up once the provisioner has said that it waits.
		Waiting: func(reason error) {
			reasons = append(reasons, reason)
			serveHealth(t, addr)
		},
	})
	if err != nil {
		t.Fatalf("WaitHealthy: %v", err)
	}
	if h.Version != "12.0.0" {
		t.Errorf("version = %q", h.Version)
	}
	if len(reasons) != 1 || !errors.Is(reasons[0], syscall.ECONNREFUSED) {
		t.Errorf("Waiting got %v, want one refused connection", reasons)
	}
}

func TestHealthWaitNamesTheRefusalWhenItGivesUp(t *testing.T) {
	addr := nettest.ClosedAddr(t)
	c := newClient(t, config.Config{GrafanaURL: "http://" + addr, Token: token}, Options{})
	waited := 0
	_, err := c.WaitHealthy(context.Background(), WaitOptions{
		Timeout: 30 * time.Millisecond, Interval: 2 * time.Millisecond,
		Waiting: func(error) { waited++ },
	})
	want := "Grafana at http://" + addr + " refused the connection for 30ms: is GRAFANA_URL right? Is Grafana running? ("
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %v, want it to start with %q", err, want)
	}
	if waited != 1 {
		t.Errorf("Waiting called %d times, want once", waited)
	}
}

func TestWrongAddress(t *testing.T) {
	wrap := func(err error) error {
		return fmt.Errorf("GET http://grafana:3000/api/health: %w", &url.Error{Op: "Get", URL: "http://grafana:3000/api/health", Err: err})
	}
	tests := []struct {
		err   error
		want  string
		wrong bool
	}{
		{wrap(&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), "refused the connection", true},
		{wrap(&net.DNSError{Err: "no such host", Name: "grafna", IsNotFound: true}), "is not found: its host name does not resolve", true},
		{wrap(&net.DNSError{Err: "server misbehaving", Name: "grafana", IsTemporary: true}), "", false},
		{wrap(syscall.ECONNRESET), "", false},
		{errors.New(`database is "failing"`), "", false},
	}
	for _, tt := range tests {
		what, wrong := wrongAddress(tt.err)
		if what != tt.want || wrong != tt.wrong {
			t.Errorf("wrongAddress(%v) = %q, %v; want %q, %v", tt.err, what, wrong, tt.want, tt.wrong)
		}
	}
}
