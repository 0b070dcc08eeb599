package config

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
)

const (
	redactUser     = "admin"
	redactPassword = `pw "with" +/ and ü-9c2b`
)

func TestRedactKnownSecrets(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte(redactUser + ":" + redactPassword))
	tokenCfg := Config{GrafanaURL: DefaultGrafanaURL, Token: testToken}
	basicCfg := Config{GrafanaURL: DefaultGrafanaURL, User: redactUser, Password: redactPassword}
	tests := []struct {
		cfg       Config
		in, want  string
		forbidden []string
	}{
		{tokenCfg, "Invalid API key: Bearer " + testToken, "Invalid API key: Bearer <secret>", []string{testToken}},
		{tokenCfg, `{"token":"` + testToken + `"}`, `{"token":"<secret>"}`, []string{testToken}},
		{tokenCfg, "nothing secret here", "nothing secret here", nil},
		{basicCfg, "Authorization: Basic " + basic + " rejected", "Authorization: Basic <secret> rejected", []string{basic}},
		{basicCfg, "login " + redactUser + ":" + redactPassword + " failed", "login <secret> failed", []string{redactPassword}},
		{basicCfg, "password " + redactPassword + "!", "password <secret>!", []string{redactPassword}},
		{basicCfg, `{"message":"password ` + jsonEscaped(redactPassword) + `"}`, `{"message":"password <secret>"}`, []string{jsonEscaped(redactPassword)}},
		{basicCfg, "/login?p=" + url.QueryEscape(redactPassword), "/login?p=<secret>", []string{url.QueryEscape(redactPassword)}},
		{basicCfg, "raw " + base64.RawStdEncoding.EncodeToString([]byte(redactUser+":"+redactPassword)), "raw <secret>", nil},
		// The user name alone is no secret.
		{basicCfg, "user admin", "user admin", nil},
	}
	for _, tt := range tests {
		got := tt.cfg.Redactor().Redact(tt.in)
		if got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
		for _, f := range tt.forbidden {
			if strings.Contains(got, f) {
				t.Errorf("Redact(%q) = %q: still holds %q", tt.in, got, f)
			}
		}
	}
}

func TestRedactURLs(t *testing.T) {
	var r *Redactor // a nil Redactor redacts URLs too
	for in, want := range map[string]string{
		"Get http://admin:hunter2@grafana:3000/api":        "Get http://<secret>@grafana:3000/api",
		"see https://user@example.com/x":                   "see https://<secret>@example.com/x",
		"mail admin@example.com":                           "mail admin@example.com",
		"http://g/api?token=abc&orgId=1":                   "http://g/api?token=<secret>&orgId=1",
		"http://g/api?orgId=1&ACCESS_TOKEN=abc#x":          "http://g/api?orgId=1&ACCESS_TOKEN=<secret>#x",
		"/x?api_key=1&apikey=2&key=3&Password=4&secret=5":  "/x?api_key=<secret>&apikey=<secret>&key=<secret>&Password=<secret>&secret=<secret>",
		"/x?auth=1&signature=2&X-Amz-Signature=3&sig=4":    "/x?auth=<secret>&signature=<secret>&X-Amz-Signature=<secret>&sig=<secret>",
		"/x?client_secret=1&refresh_token=2&private-key=3": "/x?client_secret=<secret>&refresh_token=<secret>&private-key=<secret>",
		"/x?monkey=1&keyword=2&from=now-6h&orgId=1":        "/x?monkey=1&keyword=2&from=now-6h&orgId=1",
		`"Get \"http://g/a?token=abc\": EOF"`:              `"Get \"http://g/a?token=<secret>\": EOF"`,
		"/x?token=":                                        "/x?token=",
		"/x?%74oken=abc":                                   "/x?%74oken=<secret>",
	} {
		if got := r.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactingWriter(t *testing.T) {
	var out bytes.Buffer
	w := Config{Token: testToken}.Redactor().Writer(&out)
	// A secret split across writes is still found.
	half := len(testToken) / 2
	fmt.Fprint(w, "a "+testToken[:half])
	fmt.Fprint(w, testToken[half:]+" b\nc ")
	if got := out.String(); got != "a <secret> b\n" {
		t.Errorf("after the first line: %q", got)
	}
	fmt.Fprint(w, testToken)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "a <secret> b\nc <secret>" {
		t.Errorf("after Flush: %q", got)
	}

	// Concurrent writers: every line arrives whole.
	out.Reset()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				fmt.Fprintf(w, "line %d %s\n", i, testToken)
			}
		}()
	}
	wg.Wait()
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if !strings.HasPrefix(line, "line ") || !strings.HasSuffix(line, " <secret>") {
			t.Fatalf("line %q", line)
		}
	}

	// A line longer than what it holds is passed on, redacted.
	out.Reset()
	long := strings.Repeat("x", maxPending) + testToken
	fmt.Fprint(w, long)
	if strings.Contains(out.String(), testToken) || out.Len() < maxPending {
		t.Errorf("a long line: %d bytes out, holds the token: %v", out.Len(), strings.Contains(out.String(), testToken))
	}
}
