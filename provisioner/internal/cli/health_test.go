package cli

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scanium/openai-monitoring/internal/nettest"

	"github.com/scanium/openai-monitoring/provisioner/internal/grafana"
)

// forward starts listening on addr and relays every connection to target,
// as a Grafana that comes up at addr.
func forward(t *testing.T, addr, target string) {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s again: %v", addr, err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				_ = in.Close()
				continue
			}
			go func() { _, _ = io.Copy(out, in); _ = out.Close() }()
			go func() { _, _ = io.Copy(in, out); _ = in.Close() }()
		}
	}()
}

// onLine is a writer that calls fn once, when a line holding text is
// written through it.
type onLine struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	text string
	fn   func()
	done bool
}

func (w *onLine) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if !w.done && strings.Contains(w.buf.String(), w.text) {
		w.done = true
		w.fn()
	}
	return n, err
}

func (w *onLine) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestARefusedGrafanaURLFailsAtOnceAndNamesIt(t *testing.T) {
	h := newHarness(t)
	addr := nettest.ClosedAddr(t)
	h.env["GRAFANA_URL"] = "http://" + addr
	for _, cmd := range []string{"plan", "apply"} {
		stdout, stderr := h.mustRun(ExitError, cmd)
		want := "error: Grafana at http://" + addr + " refused the connection: is GRAFANA_URL right? ("
		if !strings.HasPrefix(stderr, want) {
			t.Errorf("%s: stderr:\n%s\nwant it to start with %q", cmd, stderr, want)
		}
		if strings.Contains(stderr, "waiting") || stdout != "" {
			t.Errorf("%s: it waited or printed a result:\nstdout:\n%s\nstderr:\n%s", cmd, stdout, stderr)
		}
		assertNoSecret(t, stdout, stderr)
	}
	if n := len(h.fake.Requests()); n != 0 {
		t.Errorf("the fake got %d requests", n)
	}
}

func TestWaitRetriesARefusedGrafanaURLUntilItAnswers(t *testing.T) {
	h := newHarness(t)
	addr := nettest.ClosedAddr(t)
	fake, err := url.Parse(h.fake.URL())
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	// Grafana comes up at addr once the provisioner says that it waits.
	errOut := &onLine{text: "waiting up to 1m0s for Grafana at http://" + addr + " to be healthy (", fn: func() { forward(t, addr, fake.Host) }}
	env := map[string]string{"GRAFANA_URL": "http://" + addr, "GRAFANA_TOKEN": testToken}
	app := &App{
		Stdout: &out, Stderr: errOut,
		Getenv:         func(k string) string { return env[k] },
		Retry:          grafana.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond, MaxRetryAfter: time.Second},
		HealthInterval: 2 * time.Millisecond,
	}
	code := app.Run(context.Background(), []string{"apply", "-dir", h.dir, "-wait", "1m"})
	if code != ExitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(errOut.String(), "refused") {
		t.Errorf("the wait does not say why:\n%s", errOut.String())
	}
	if !strings.HasSuffix(out.String(), "Apply: 7 created, 1 updated, 0 unchanged, 0 deleted, 0 failed.\n") {
		t.Errorf("stdout:\n%s", out.String())
	}
}
