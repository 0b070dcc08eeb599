package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scanium/openai-monitoring/provisioner/internal/fixture"

	"github.com/scanium/openai-monitoring/provisioner/internal/grafana"
	"github.com/scanium/openai-monitoring/provisioner/internal/grafanafake"
)

const (
	testToken    = "glsa_cli_test_token_5f3c9a"
	testPassword = "pw-cli-test-8d1e"
	fixtures     = "../../testdata/generated"
)

// harness is a fake Grafana, a copy of the fixture artifacts and an
// environment pointing at them.
type harness struct {
	t    *testing.T
	fake *grafanafake.Server
	dir  string
	env  map[string]string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	fake := grafanafake.Start(grafanafake.Options{Token: testToken, User: "admin", Password: testPassword, ViewerToken: "viewer-token"})
	t.Cleanup(fake.Close)
	return &harness{
		t:    t,
		fake: fake,
		dir:  fixture.Copy(t, fixtures),
		env:  map[string]string{"GRAFANA_URL": fake.URL(), "GRAFANA_TOKEN": testToken},
	}
}

// run runs the CLI in-process, with fast retries and health polls.
func (h *harness) run(args ...string) (code int, stdout, stderr string) {
	h.t.Helper()
	var out, errOut bytes.Buffer
	app := &App{
		Stdout: &out, Stderr: &errOut,
		Getenv:         func(k string) string { return h.env[k] },
		Retry:          grafana.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond, MaxRetryAfter: time.Second},
		HealthInterval: 2 * time.Millisecond,
	}
	withDir := args
	if len(args) > 0 && args[0] != "-h" {
		withDir = append([]string{args[0], "-dir", h.dir}, args[1:]...)
	}
	code = app.Run(context.Background(), withDir)
	return code, out.String(), errOut.String()
}

// mustRun runs the CLI and fails the test on an unexpected exit code.
func (h *harness) mustRun(want int, args ...string) (stdout, stderr string) {
	h.t.Helper()
	code, stdout, stderr := h.run(args...)
	if code != want {
		h.t.Fatalf("%s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, stdout, stderr)
	}
	return stdout, stderr
}

// edit rewrites one artifact of the harness through fn.
func (h *harness) edit(file string, fn func(v any) any) { fixture.Edit(h.t, h.dir, file, fn) }

func (h *harness) write(file, content string) { fixture.Write(h.t, h.dir, file, content) }

func (h *harness) remove(file string) {
	h.t.Helper()
	if err := os.Remove(filepath.Join(h.dir, filepath.FromSlash(file))); err != nil {
		h.t.Fatal(err)
	}
}

// lines splits output into lines.
func lines(s string) []string { return strings.Split(strings.TrimRight(s, "\n"), "\n") }

func assertLines(t *testing.T, got string, want ...string) {
	t.Helper()
	if strings.Join(lines(got), "\n") != strings.Join(want, "\n") {
		t.Errorf("output:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

func assertNoSecret(t *testing.T, outputs ...string) {
	t.Helper()
	for _, out := range outputs {
		for _, secret := range []string{testToken, testPassword, "viewer-token"} {
			if strings.Contains(out, secret) {
				t.Errorf("output holds a secret:\n%s", out)
			}
		}
	}
}
