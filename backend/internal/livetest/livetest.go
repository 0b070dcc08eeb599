// Package livetest runs the real programs the end-to-end tests need on
// loopback: Prometheus 3 (standing in for Mimir: the same OTLP translation
// and the same PromQL engine) and binaries built from this module.
//
// Live tests skip when Prometheus is missing, unless SCANIUM_LIVE_TESTS is
// "required" (as `make test` and CI set it), when they fail instead.
package livetest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// Environment variables that configure live tests.
const (
	EnvPrometheusBin = "PROMETHEUS_BIN"
	EnvLiveTests     = "SCANIUM_LIVE_TESTS"
)

// RepoRoot is the repository's root directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the repository")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// PrometheusBinary finds Prometheus 3: PROMETHEUS_BIN, else .tools/bin/prometheus
// as `make tools` builds it. Without it the test skips, or fails when live
// tests are required.
func PrometheusBinary(t testing.TB) string {
	t.Helper()
	path := os.Getenv(EnvPrometheusBin)
	if path == "" {
		path = filepath.Join(RepoRoot(t), ".tools", "bin", "prometheus")
	}
	if _, err := os.Stat(path); err != nil {
		msg := fmt.Sprintf("Prometheus 3 not found at %s: run `make tools` (or set %s)", path, EnvPrometheusBin)
		if os.Getenv(EnvLiveTests) == "required" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return path
}

// FreePort returns a loopback port nothing listens on now.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Process is a program started for a test; its output is kept for failure
// reports.
type Process struct {
	Cmd    *exec.Cmd
	output *syncBuffer
	done   chan struct{}
	err    error
}

// Output is what the process printed so far (stdout and stderr).
func (p *Process) Output() string { return p.output.String() }

// Wait waits for the process to exit, at most d, and returns its error.
func (p *Process) Wait(d time.Duration) error {
	select {
	case <-p.done:
		return p.err
	case <-time.After(d):
		return fmt.Errorf("%s did not exit within %s", p.Cmd.Path, d)
	}
}

// Start starts a program; the test's cleanup kills it if still running.
func Start(t testing.TB, env []string, name string, args ...string) *Process {
	t.Helper()
	p := &Process{Cmd: exec.Command(name, args...), output: &syncBuffer{}, done: make(chan struct{})}
	p.Cmd.Env = env
	p.Cmd.Stdout, p.Cmd.Stderr = p.output, p.output
	if err := p.Cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.err = p.Cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.Cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// WaitHTTP polls url until it answers 200, the process exits, or d passes.
func WaitHTTP(t testing.TB, p *Process, url string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			t.Fatalf("%s exited before %s answered: %v\n%s", p.Cmd.Path, url, p.err, p.Output())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		cancel()
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not answer 200 within %s\n%s", url, d, p.Output())
}

// BuildBinary builds a main package of this module (e.g.
// "./backend/cmd/scanium-backend") into the test's temporary directory.
func BuildBinary(t testing.TB, pkg string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = RepoRoot(t)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
