package cli

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// credentialSpy is a server that records every credential it is sent.
type credentialSpy struct {
	srv *httptest.Server

	mu   sync.Mutex
	hits int
	seen []string
}

func newCredentialSpy(t *testing.T) *credentialSpy {
	s := &credentialSpy{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits++
		for _, h := range []string{"Authorization", "X-Grafana-Org-Id", "Cookie"} {
			if v := r.Header.Get(h); v != "" {
				s.seen = append(s.seen, h+": "+v)
			}
		}
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"database":"ok","version":"12.0.0"}`))
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *credentialSpy) report() (hits int, seen []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits, append([]string(nil), s.seen...)
}

// redirector answers every request with a redirect to target, keeping the
// path and adding a query.
func redirector(t *testing.T, status int, target func() string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target()+r.URL.Path+"?from=redirect&token=glsa_query_secret_0000", status)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestRedirectToAnotherOriginGetsNoCredential(t *testing.T) {
	for _, status := range []int{http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		for _, auth := range []string{"token", "basic"} {
			t.Run(http.StatusText(status)+"/"+auth, func(t *testing.T) {
				spy := newCredentialSpy(t)
				origin := redirector(t, status, func() string { return spy.srv.URL })
				h := newHarness(t)
				h.env["GRAFANA_URL"] = origin.URL
				if auth == "basic" {
					delete(h.env, "GRAFANA_TOKEN")
					h.env["GRAFANA_USER"], h.env["GRAFANA_PASSWORD"], h.env["GRAFANA_ORG_ID"] = "admin", testPassword, "1"
				}
				for _, cmd := range [][]string{{"plan", "-wait", "5s"}, {"apply", "-wait", "5s", "-v"}} {
					stdout, stderr := h.mustRun(ExitError, cmd...)
					want := "error: grafana at " + origin.URL + ": GET /api/health: Grafana redirected to " + spy.srv.URL +
						", another origin than GRAFANA_URL (" + origin.URL + "): the credential is sent only to GRAFANA_URL's origin," +
						" so the redirect was not followed; set GRAFANA_URL to the URL Grafana really answers at\n"
					if !strings.Contains(stderr, want) {
						t.Errorf("%v: stderr lacks %q:\n%s", cmd, want, stderr)
					}
					if strings.Contains(stdout+stderr, "from=redirect") || strings.Contains(stdout+stderr, "glsa_query_secret_0000") {
						t.Errorf("%v: the redirect's path or query was printed:\n%s%s", cmd, stdout, stderr)
					}
					if strings.Count(stderr, "\n") > 6 {
						t.Errorf("%v: it kept trying:\n%s", cmd, stderr)
					}
					assertNoSecret(t, stdout, stderr)
				}
				if hits, seen := spy.report(); hits != 0 || len(seen) != 0 {
					t.Errorf("the other origin got %d requests, with %q", hits, seen)
				}
			})
		}
	}
}

func TestRedirectToAnotherSchemeOrPortIsRefused(t *testing.T) {
	spy := newCredentialSpy(t)
	// Same host, other port; and the same host:port under https.
	https := strings.Replace(spy.srv.URL, "http://", "https://", 1)
	for _, target := range []string{spy.srv.URL, https} {
		origin := redirector(t, http.StatusFound, func() string { return target })
		h := newHarness(t)
		h.env["GRAFANA_URL"] = origin.URL
		_, stderr := h.mustRun(ExitError, "plan", "-wait", "5s")
		if !strings.Contains(stderr, "redirected to "+target+", another origin") {
			t.Errorf("stderr:\n%s", stderr)
		}
	}
	if hits, seen := spy.report(); hits != 0 || len(seen) != 0 {
		t.Errorf("the other origin got %d requests, with %q", hits, seen)
	}
}
