package grafana

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scanium/openai-monitoring/provisioner/config"
	"github.com/scanium/openai-monitoring/provisioner/internal/grafanafake"
)

const (
	token    = "glsa_client_test_token_31f0"
	password = "client-test-password-9c2b"
)

// fastRetry keeps tests quick.
var fastRetry = RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond, MaxRetryAfter: time.Second}

func newClient(t *testing.T, cfg config.Config, opts Options) *Client {
	t.Helper()
	if opts.Retry.MaxAttempts == 0 {
		opts.Retry = fastRetry
	}
	c, err := New(cfg, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestNotFoundAndAPIError(t *testing.T) {
	fake := grafanafake.Start(grafanafake.Options{Token: token})
	defer fake.Close()
	c := newClient(t, config.Config{GrafanaURL: fake.URL(), Token: token}, Options{})

	_, err := c.Folder(context.Background(), "nope")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("Folder: %v, want ErrNotFound", err)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Error() != "GET /api/folders/nope: 404 Not Found: folder not found" {
		t.Errorf("error = %v", err)
	}

	if err := c.CreateFolder(context.Background(), "a", "Same"); err != nil {
		t.Fatal(err)
	}
	err = c.CreateFolder(context.Background(), "b", "Same")
	if !errors.As(err, &apiErr) || errors.Is(err, ErrNotFound) || IsAuth(err) ||
		err.Error() != "POST /api/folders: 409 Conflict: a folder or dashboard in the general folder with the same name already exists" {
		t.Errorf("error = %v", err)
	}
}

func TestAuthErrors(t *testing.T) {
	fake := grafanafake.Start(grafanafake.Options{Token: token, User: "admin", Password: password, ViewerToken: "viewer"})
	defer fake.Close()
	tests := []struct {
		name string
		cfg  config.Config
		call func(c *Client) error
		want string
	}{
		{
			name: "bad token",
			cfg:  config.Config{GrafanaURL: fake.URL(), Token: "bad-" + token},
			call: func(c *Client) error { _, err := c.Datasources(context.Background()); return err },
			want: "401 from Grafana: check GRAFANA_TOKEN: Grafana rejected it (GET /api/datasources: 401 Unauthorized: Invalid API key)",
		},
		{
			name: "bad password",
			cfg:  config.Config{GrafanaURL: fake.URL(), User: "admin", Password: "bad-" + password},
			call: func(c *Client) error { _, err := c.Datasources(context.Background()); return err },
			want: "401 from Grafana: check GRAFANA_USER and GRAFANA_PASSWORD: Grafana rejected it (GET /api/datasources: 401 Unauthorized: Invalid username or password)",
		},
		{
			name: "viewer writes",
			cfg:  config.Config{GrafanaURL: fake.URL(), Token: "viewer"},
			call: func(c *Client) error { return c.CreateFolder(context.Background(), "x", "X") },
			want: "403 from Grafana: the account behind GRAFANA_TOKEN lacks permission for POST /api/folders: give it the Admin role",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(fake.Requests())
			err := tt.call(newClient(t, tt.cfg, Options{}))
			if !IsAuth(err) || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error = %v\nwant prefix %q", err, tt.want)
			}
			if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), password) {
				t.Errorf("error holds a secret: %v", err)
			}
			if n := len(fake.Requests()) - before; n != 1 {
				t.Errorf("%d requests: a 401/403 must not be retried", n)
			}
		})
	}
}

func TestRetriesServerErrorsWithTheSameBody(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(raw))
		n := len(bodies)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if n < 3 {
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte(`{"message":"upstream down"}`))
			return
		}
		_, _ = w.Write([]byte(`{"id":1,"uid":"x","title":"X"}`))
	}))
	defer srv.Close()
	var notes []string
	c := newClient(t, config.Config{GrafanaURL: srv.URL, Token: token}, Options{Notify: func(s string) { notes = append(notes, s) }})
	if err := c.CreateFolder(context.Background(), "x", "X"); err != nil {
		t.Fatalf("CreateFolder: %v", err)
	}
	if len(bodies) != 3 || bodies[0] != bodies[2] || !strings.Contains(bodies[0], `"uid":"x"`) {
		t.Errorf("bodies = %q, want the same body three times", bodies)
	}
	if len(notes) != 2 || !strings.HasPrefix(notes[0], "POST /api/folders: Grafana answered 502; retrying in ") || !strings.HasSuffix(notes[1], "(attempt 3 of 4)") {
		t.Errorf("notes = %q", notes)
	}
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	fake := grafanafake.Start(grafanafake.Options{Token: token})
	defer fake.Close()
	fake.FailNext(10, http.StatusServiceUnavailable)
	c := newClient(t, config.Config{GrafanaURL: fake.URL(), Token: token}, Options{})
	_, err := c.Folder(context.Background(), "scanium")
	if err == nil || err.Error() != "GET /api/folders/scanium: 503 Service Unavailable: Service Unavailable" {
		t.Errorf("error = %v", err)
	}
	if n := len(fake.Requests()); n != fastRetry.MaxAttempts {
		t.Errorf("%d attempts, want %d", n, fastRetry.MaxAttempts)
	}
}

func TestRetriesConnectionErrors(t *testing.T) {
	fake := grafanafake.Start(grafanafake.Options{Token: token})
	defer fake.Close()
	fake.DropNext(2)
	c := newClient(t, config.Config{GrafanaURL: fake.URL(), Token: token}, Options{})
	if _, err := c.Datasources(context.Background()); err != nil {
		t.Fatalf("Datasources: %v", err)
	}
	if n := len(fake.Requests()); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}
}

func TestRetryStopsWithTheContext(t *testing.T) {
	fake := grafanafake.Start(grafanafake.Options{Token: token})
	defer fake.Close()
	fake.FailNext(100, http.StatusInternalServerError)
	slow := RetryPolicy{MaxAttempts: 10, BaseDelay: time.Hour, MaxDelay: time.Hour, MaxRetryAfter: time.Hour}
	notified := make(chan struct{})
	c := newClient(t, config.Config{GrafanaURL: fake.URL(), Token: token}, Options{Retry: slow, CallTimeout: 3 * time.Hour, Notify: func(string) { close(notified) }})

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { _, err := c.Datasources(ctx); errc <- err }()
	<-notified // it is sleeping before its second attempt
	cancel()
	err := <-errc
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
}

func TestRetryNeverSleepsPastTheDeadline(t *testing.T) {
	fake := grafanafake.Start(grafanafake.Options{Token: token})
	defer fake.Close()
	fake.FailNext(100, http.StatusInternalServerError)
	slow := RetryPolicy{MaxAttempts: 10, BaseDelay: time.Hour, MaxDelay: time.Hour, MaxRetryAfter: time.Hour}
	c := newClient(t, config.Config{GrafanaURL: fake.URL(), Token: token}, Options{Retry: slow, CallTimeout: time.Minute})
	// The hour-long backoff ends past the call's deadline: the 500 comes
	// back at once instead.
	_, err := c.Datasources(context.Background())
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusInternalServerError {
		t.Errorf("error = %v, want the 500", err)
	}
}

func TestNoRetryForClientErrors(t *testing.T) {
	fake := grafanafake.Start(grafanafake.Options{Token: token})
	defer fake.Close()
	c := newClient(t, config.Config{GrafanaURL: fake.URL(), Token: token}, Options{})
	for _, status := range []int{400, 404, 409, 412, 422} {
		fake.ResetCounters()
		fake.FailNext(1, status)
		_, err := c.Datasources(context.Background())
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Status != status {
			t.Errorf("status %d: error = %v", status, err)
		}
		if n := len(fake.Requests()); n != 1 {
			t.Errorf("status %d: %d attempts, want 1", status, n)
		}
	}
}

func TestDefaultTransportIsNeverUsedNorChanged(t *testing.T) {
	orig := http.DefaultTransport
	origTLS := orig.(*http.Transport).TLSClientConfig
	counting := &countingTransport{next: orig}
	http.DefaultTransport = counting
	t.Cleanup(func() { http.DefaultTransport = orig })

	fake := grafanafake.Start(grafanafake.Options{Token: token})
	defer fake.Close()
	c := newClient(t, config.Config{GrafanaURL: fake.URL(), Token: token, InsecureSkipVerify: true}, Options{})
	ctx := context.Background()
	if _, err := c.Health(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateFolder(ctx, "scanium", "Scanium"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Folder(ctx, "scanium"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AlertRules(ctx); err != nil {
		t.Fatal(err)
	}
	if n := counting.calls(); n != 0 {
		t.Errorf("%d requests went through http.DefaultTransport", n)
	}
	if http.DefaultTransport != counting || orig.(*http.Transport).TLSClientConfig != origTLS {
		t.Errorf("http.DefaultTransport was changed")
	}
}

func TestCustomCA(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"database":"ok","version":"12.0.0"}`))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshake below is expected
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, cert, 0o600); err != nil {
		t.Fatal(err)
	}

	// Without the CA: a certificate error, not retried.
	var notes []string
	c := newClient(t, config.Config{GrafanaURL: srv.URL, Token: token}, Options{Notify: func(s string) { notes = append(notes, s) }})
	if _, err := c.Datasources(context.Background()); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("without the CA: %v", err)
	}
	if len(notes) != 0 {
		t.Errorf("a certificate error was retried: %q", notes)
	}

	c = newClient(t, config.Config{GrafanaURL: srv.URL, Token: token, CAFile: ca}, Options{})
	h, err := c.Health(context.Background())
	if err != nil || h.Version != "12.0.0" {
		t.Errorf("with the CA: %v, %v", h, err)
	}
	c = newClient(t, config.Config{GrafanaURL: srv.URL, Token: token, InsecureSkipVerify: true}, Options{})
	if _, err := c.Health(context.Background()); err != nil {
		t.Errorf("insecure: %v", err)
	}
}

func TestDebugLinesHoldNoSecret(t *testing.T) {
	fake := grafanafake.Start(grafanafake.Options{User: "admin", Password: password})
	defer fake.Close()
	var debug bytes.Buffer
	c := newClient(t, config.Config{GrafanaURL: fake.URL(), User: "admin", Password: password}, Options{
		Debug: func(s string) { debug.WriteString(s + "\n") },
	})
	if err := c.CreateFolder(context.Background(), "scanium", "Scanium"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(debug.String(), "http: POST /api/folders: 200 (") {
		t.Errorf("debug = %q", debug.String())
	}
	if strings.Contains(debug.String(), password) || strings.Contains(debug.String(), "Basic ") {
		t.Errorf("debug output holds the credential: %q", debug.String())
	}
}

type countingTransport struct {
	next http.RoundTripper
	mu   sync.Mutex
	n    int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.next.RoundTrip(r)
}

func (c *countingTransport) calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}
