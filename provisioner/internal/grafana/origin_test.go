package grafana

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/scanium/openai-monitoring/provisioner/config"
)

func TestOriginOf(t *testing.T) {
	same := [][2]string{
		{"http://grafana", "http://grafana:80/sub"},
		{"https://Grafana.example.com/", "https://grafana.example.com:443/api?x=1"},
		{"http://[::1]:3000", "http://[::1]:3000/api"},
		{"http://admin@grafana:3000", "http://grafana:3000"},
	}
	other := [][2]string{
		{"http://grafana", "https://grafana"},
		{"http://grafana:3000", "http://grafana:3001"},
		{"http://grafana:443", "https://grafana"},
		{"http://grafana", "http://grafana.evil.example"},
	}
	origin := func(raw string) origin {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		return originOf(u)
	}
	for _, p := range same {
		if origin(p[0]) != origin(p[1]) {
			t.Errorf("%s and %s: different origins, want one", p[0], p[1])
		}
	}
	for _, p := range other {
		if origin(p[0]) == origin(p[1]) {
			t.Errorf("%s and %s: one origin, want two", p[0], p[1])
		}
	}
	if got := origin("https://grafana.example.com/sub?token=x").String(); got != "https://grafana.example.com:443" {
		t.Errorf("String() = %q", got)
	}
	if got := origin("http://[::1]:3000/").String(); got != "http://[::1]:3000" {
		t.Errorf("String() = %q", got)
	}
}

// TestSameOriginRedirectKeepsTheCredential: Grafana may redirect within
// its own origin (a sub-path, a trailing slash); the credential follows.
func TestSameOriginRedirectKeepsTheCredential(t *testing.T) {
	var mu sync.Mutex
	var auth []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auth = append(auth, r.URL.Path+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		if r.URL.Path == "/api/folders/old" {
			http.Redirect(w, r, "/api/folders/new", http.StatusMovedPermanently)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"uid":"new","title":"New"}`))
	}))
	defer srv.Close()
	c := newClient(t, config.Config{GrafanaURL: srv.URL, Token: token}, Options{})
	f, err := c.Folder(context.Background(), "old")
	if err != nil || f.UID != "new" {
		t.Fatalf("Folder = %+v, %v", f, err)
	}
	want := []string{"/api/folders/old Bearer " + token, "/api/folders/new Bearer " + token}
	if strings.Join(auth, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(auth, "\n"), strings.Join(want, "\n"))
	}
}

func TestRedirectToAnotherOriginIsAnError(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/steal?token=glsa_in_the_query_1234", http.StatusFound)
	}))
	defer srv.Close()
	for _, cfg := range []config.Config{
		{GrafanaURL: srv.URL, Token: token},
		{GrafanaURL: srv.URL, User: "admin", Password: password, OrgID: 2},
	} {
		c := newClient(t, cfg, Options{})
		_, err := c.Folder(context.Background(), "scanium")
		var redirect *RedirectError
		if !errors.As(err, &redirect) {
			t.Fatalf("error = %v, want a *RedirectError", err)
		}
		want := "GET /api/folders/scanium: Grafana redirected to " + other.URL + ", another origin than GRAFANA_URL (" + srv.URL + ")"
		if !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "steal") || strings.Contains(err.Error(), "glsa_in_the_query") {
			t.Errorf("error = %v\nwant prefix %q, without the redirect's path or query", err, want)
		}
	}
	if len(seen) != 0 {
		t.Errorf("the other origin got %d requests", len(seen))
	}
}

func TestTooManyRedirects(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
	}))
	defer srv.Close()
	c := newClient(t, config.Config{GrafanaURL: srv.URL, Token: token}, Options{})
	_, err := c.Folder(context.Background(), "scanium")
	if err == nil || !strings.Contains(err.Error(), "stopped after 10 redirects") {
		t.Errorf("error = %v", err)
	}
}
