package grafana

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/scanium/openai-monitoring/provisioner/config"
)

func TestServerText(t *testing.T) {
	red := config.Config{Token: token}.Redactor()
	for in, want := range map[string]string{
		"plain":                                   "plain",
		"  two\n\tlines\r\n ":                     "two lines",
		"esc \x1b[31mred\x1b[0m":                  "esc [31mred [0m",
		"bad \xff utf8":                           "bad \uFFFD utf8",
		"token " + token + " echoed":              "token <secret> echoed",
		"split " + token[:5] + "\x00" + token[5:]: "split " + token[:5] + " " + token[5:],
		strings.Repeat("é", 400):                  strings.Repeat("é", 300) + "…",
	} {
		if got := serverText(red, in, maxMessageLen); got != want {
			t.Errorf("serverText(%q) = %q, want %q", in, got, want)
		}
	}
	// Redaction comes before the cut: a secret at the limit is not half
	// printed.
	in := strings.Repeat("x", maxMessageLen-5) + token
	if got := serverText(red, in, maxMessageLen); strings.Contains(got, token[:5]) {
		t.Errorf("serverText cut through the secret: %q", got)
	}
}

func TestHealthTextIsRedactedAndCapped(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"database":"failing: ` + r.Header.Get("Authorization") + strings.Repeat(" pad", 500) + `","version":"12 ` + token + `"}`))
	}))
	defer srv.Close()
	c := newClient(t, config.Config{GrafanaURL: srv.URL, Token: token}, Options{})
	h, err := c.Health(context.Background())
	if err == nil || strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), `database is "failing: Bearer <secret> pad pad`) || len(err.Error()) > 200 {
		t.Errorf("error = %v", err)
	}
	if h == nil || h.Version != "12 <secret>" {
		t.Errorf("health = %+v", h)
	}
}

// TestTransportErrorsAreRedacted: a same-origin redirect to a URL with a
// token in its query, which then drops the connection: the error, the
// retry notices and the -v lines name the URL without the token.
func TestTransportErrorsAreRedacted(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte("admin:" + password))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/datasources" {
			http.Redirect(w, r, "/api/dropped?token="+token+"&auth="+basic+"&orgId=1", http.StatusFound)
			return
		}
		hj, _ := w.(http.Hijacker)
		conn, _, _ := hj.Hijack()
		_ = conn.Close()
	}))
	defer srv.Close()
	var mu sync.Mutex
	var lines []string
	record := func(s string) { mu.Lock(); lines = append(lines, s); mu.Unlock() }
	for _, cfg := range []config.Config{
		{GrafanaURL: srv.URL, Token: token},
		{GrafanaURL: srv.URL, User: "admin", Password: password},
	} {
		c := newClient(t, cfg, Options{Notify: record, Debug: record})
		_, err := c.Datasources(context.Background())
		if err == nil || err.Error() != "GET "+srv.URL+"/api/dropped: EOF" {
			t.Errorf("error = %v", err)
		}
		if n := len(lines); n == 0 || !strings.Contains(lines[0], "302") {
			t.Errorf("-v lines: %q", lines)
		}
		all := err.Error() + "\n" + strings.Join(lines, "\n")
		for _, s := range []string{token, password, basic} {
			if strings.Contains(all, s) {
				t.Errorf("a secret was reported:\n%s", all)
			}
		}
	}
}
