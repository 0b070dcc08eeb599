package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRunReportsTheAnswer(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		body     string
		wantCode int
		wantErr  string
	}{
		{name: "ready", status: http.StatusOK, body: "ready", wantCode: exitHealthy},
		{name: "no content", status: http.StatusNoContent, wantCode: exitHealthy},
		{name: "starting", status: http.StatusServiceUnavailable, body: "Ingester not ready: waiting for 15s after being ready\nmore", wantCode: exitUnhealthy, wantErr: "503 Service Unavailable: Ingester not ready: waiting for 15s after being ready"},
		{name: "not found", status: http.StatusNotFound, body: "404 page not found", wantCode: exitUnhealthy, wantErr: "404 Not Found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodGet || r.URL.Path != "/ready" {
					t.Errorf("got %s %s, want GET /ready", r.Method, r.URL.Path)
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()

			var stdout, stderr bytes.Buffer
			code := run([]string{srv.URL + "/ready"}, &stdout, &stderr)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d (stderr: %s)", code, tc.wantCode, stderr.String())
			}
			if tc.wantErr != "" && !strings.Contains(stderr.String(), tc.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tc.wantErr)
			}
			if strings.Contains(stderr.String(), "more") {
				t.Errorf("stderr = %q: only the first line of the answer belongs there", stderr.String())
			}
		})
	}
}

func TestRunFailsWhenNothingListens(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	target := srv.URL + "/ready"
	srv.Close()

	var stdout, stderr bytes.Buffer
	if code := run([]string{target}, &stdout, &stderr); code != exitUnhealthy {
		t.Fatalf("exit %d, want %d", code, exitUnhealthy)
	}
	if !strings.Contains(stderr.String(), "unhealthy: GET "+target) {
		t.Errorf("stderr = %q, want the failed GET", stderr.String())
	}
}

func TestRunGivesUpAfterTheTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)

	var stdout, stderr bytes.Buffer
	if code := run([]string{"-timeout", (50 * time.Millisecond).String(), srv.URL}, &stdout, &stderr); code != exitUnhealthy {
		t.Fatalf("exit %d, want %d", code, exitUnhealthy)
	}
	if !strings.Contains(stderr.String(), "deadline exceeded") {
		t.Errorf("stderr = %q, want a deadline error", stderr.String())
	}
}

func TestRunRejectsBadUsage(t *testing.T) {
	for name, args := range map[string][]string{
		"no target":        nil,
		"two targets":      {"http://a/ready", "http://b/ready"},
		"relative target":  {"/ready"},
		"other scheme":     {"tcp://127.0.0.1:9009"},
		"unknown flag":     {"-retries", "3", "http://127.0.0.1:9009/ready"},
		"negative timeout": {"-timeout", "-1s", "http://127.0.0.1:9009/ready"},
	} {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(args, &stdout, &stderr); code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if stderr.Len() == 0 {
				t.Error("nothing on stderr: say what is wrong")
			}
		})
	}
}
