package cli

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/provisioner/internal/grafanafake"
)

// echoCredentials is the message of a server that echoes what it was sent:
// the Authorization header, the decoded Basic credential and the token,
// in the middle of its own text.
func echoCredentials(r *http.Request) string {
	msg := "Grafana said no; Authorization: " + r.Header.Get("Authorization")
	if user, pass, ok := r.BasicAuth(); ok {
		msg += "; as " + user + ":" + pass + " (password " + pass + ")"
	}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		msg += "; token " + tok + "; see http://grafana/login?token=" + tok + "&orgId=1"
	}
	return msg + "; end of Grafana's message"
}

func TestEchoedSecretsAreRedacted(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte("admin:" + testPassword))
	secrets := []string{testToken, testPassword, basic, "admin:" + testPassword}
	tests := []struct {
		name string
		cmd  []string
		// setup injects the faults; code is the exit code.
		fault grafanafake.Fault
		code  int
		// want is a line of the output, with the secrets redacted.
		want string
	}{
		{
			name:  "5xx on a read, JSON",
			cmd:   []string{"plan"},
			fault: grafanafake.Fault{Count: 100, PathPrefix: "/api/folders/", Status: 500, Message: echoCredentials},
			code:  ExitError,
			want:  "GET /api/folders/scanium: 500 Internal Server Error: Grafana said no; Authorization: ",
		},
		{
			name:  "4xx on a write, plain text",
			cmd:   []string{"apply"},
			fault: grafanafake.Fault{Count: 100, PathPrefix: "/api/dashboards/db", Status: 400, Message: echoCredentials, PlainText: true},
			code:  ExitError,
			want:  "dashboard scanium-openai-runtime: failed: POST /api/dashboards/db: 400 Bad Request: Grafana said no; Authorization: ",
		},
		{
			name:  "401, JSON",
			cmd:   []string{"apply", "-v"},
			fault: grafanafake.Fault{Count: 100, PathPrefix: "/api/folders/", Status: 401, Message: echoCredentials},
			code:  ExitError,
			want:  "Grafana rejected it (GET /api/folders/scanium: 401 Unauthorized: Grafana said no; Authorization: ",
		},
		{
			name:  "5xx on a write, plain text, with -v",
			cmd:   []string{"apply", "-v"},
			fault: grafanafake.Fault{Count: 100, PathPrefix: "/api/v1/provisioning/", Status: 503, Message: echoCredentials, PlainText: true},
			code:  ExitError,
			want:  ": 503 Service Unavailable: Grafana said no; Authorization: ",
		},
	}
	for _, auth := range []string{"token", "basic"} {
		for _, tt := range tests {
			t.Run(auth+"/"+tt.name, func(t *testing.T) {
				h := newHarness(t)
				if auth == "basic" {
					delete(h.env, "GRAFANA_TOKEN")
					h.env["GRAFANA_USER"], h.env["GRAFANA_PASSWORD"] = "admin", testPassword
				}
				h.fake.Inject(tt.fault)
				stdout, stderr := h.mustRun(tt.code, tt.cmd...)
				out := stdout + stderr
				for _, s := range secrets {
					if strings.Contains(out, s) {
						t.Errorf("output holds a secret (%d bytes):\n%s", len(s), out)
					}
				}
				if !strings.Contains(out, tt.want) || !strings.Contains(out, "<secret>") || !strings.Contains(out, "end of Grafana's message") {
					t.Errorf("output lacks %q, <secret> or the end of Grafana's message:\n%s", tt.want, out)
				}
			})
		}
	}
}

func TestLongServerMessagesAreCapped(t *testing.T) {
	h := newHarness(t)
	long := func(*http.Request) string {
		return "start of Grafana's message " + strings.Repeat("blah ", 8000) + testToken
	}
	h.fake.Inject(grafanafake.Fault{Count: 100, PathPrefix: "/api/folders/", Status: 500, Message: long})
	stdout, stderr := h.mustRun(ExitError, "plan")
	for _, line := range lines(stdout + stderr) {
		if len(line) > 1000 {
			t.Errorf("a line of %d bytes: %.200s…", len(line), line)
		}
	}
	if !strings.Contains(stdout+stderr, "start of Grafana's message blah blah") {
		t.Errorf("output lacks the start of the message:\n%s\n%s", stdout, stderr)
	}
	assertNoSecret(t, stdout, stderr)
}

// TestOutputIsRedactedAsALastLineOfDefence: what Grafana stores is printed
// in a plan's changes; a secret there never reaches the output either.
func TestOutputIsRedactedAsALastLineOfDefence(t *testing.T) {
	h := newHarness(t)
	h.mustRun(ExitOK, "apply")
	if code, body := h.fake.EditDashboard("mallory", "scanium-openai-runtime", func(m map[string]any) {
		m["title"] = "copied " + testToken + " here"
		m["description"] = "see http://grafana/d/x?orgId=1&api_key=glsa_other_fake_key_4242"
	}); code != http.StatusOK {
		t.Fatalf("edit: %d %s", code, body)
	}
	stdout, stderr := h.mustRun(ExitChanges, "plan")
	if !strings.Contains(stdout, `~ title: "copied <secret> here" -> "Scanium / OpenAI runtime"`) ||
		!strings.Contains(stdout, `api_key=<secret>`) {
		t.Errorf("stdout:\n%s", stdout)
	}
	assertNoSecret(t, stdout, stderr)
	if strings.Contains(stdout+stderr, "glsa_other_fake_key_4242") {
		t.Errorf("a secret-looking query parameter was printed:\n%s", stdout)
	}
}

// TestChangesAreRedactedBeforeTheyAreCut: a value of a plan's change is
// cut to length; a secret across the cut is not half printed.
func TestChangesAreRedactedBeforeTheyAreCut(t *testing.T) {
	h := newHarness(t)
	h.mustRun(ExitOK, "apply")
	if code, body := h.fake.EditDashboard("mallory", "scanium-openai-runtime", func(m map[string]any) {
		m["description"] = strings.Repeat("x", 100) + testToken + strings.Repeat("y", 100)
	}); code != http.StatusOK {
		t.Fatalf("edit: %d %s", code, body)
	}
	stdout, stderr := h.mustRun(ExitChanges, "plan")
	if !strings.Contains(stdout, `- description: "`+strings.Repeat("x", 100)+`<secret>yyy`) {
		t.Errorf("stdout:\n%s", stdout)
	}
	if strings.Contains(stdout+stderr, testToken[:10]) {
		t.Errorf("part of the token was printed:\n%s", stdout)
	}
}
