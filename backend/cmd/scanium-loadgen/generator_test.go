package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/scanium/openai-monitoring/backend/internal/httpapi"
)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func testConfig(target string, concurrency int) Config {
	return Config{TargetURL: target, APIKey: "test-key", Rate: 1, Concurrency: concurrency, Seed: 1}
}

// sendTicks delivers n ticks, then closes the channel.
func sendTicks(n int) <-chan struct{} {
	ch := make(chan struct{}, n)
	for range n {
		ch <- struct{}{}
	}
	close(ch)
	return ch
}

func TestGeneratorSendsOneWellFormedRequestPerTick(t *testing.T) {
	var mu sync.Mutex
	var bodies []chatRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != httpapi.ChatPath {
			t.Errorf("got %s %s, want POST %s", r.Method, r.URL.Path, httpapi.ChatPath)
		}
		if got := r.Header.Get("Authorization"); got != "Bearer test-key" {
			t.Errorf("Authorization = %q", got)
		}
		if got := r.Header.Get("Content-Type"); got != "application/json" {
			t.Errorf("Content-Type = %q", got)
		}
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		var body chatRequest
		if err := dec.Decode(&body); err != nil {
			t.Errorf("body: %v", err)
		}
		mu.Lock()
		bodies = append(bodies, body)
		mu.Unlock()
		_, _ = w.Write([]byte(`{"reply":"ok"}`))
	}))
	defer srv.Close()

	// As many workers as ticks: none is skipped.
	gen := newGenerator(testConfig(srv.URL, 20), srv.Client(), discardLogger())
	stats := gen.Run(context.Background(), sendTicks(20))

	if want := (Stats{Sent: 20, OK: 20}); stats != want {
		t.Errorf("stats = %+v, want %+v", stats, want)
	}
	if len(bodies) != 20 {
		t.Fatalf("the backend got %d requests, want 20", len(bodies))
	}
	for _, b := range bodies {
		if b.Message == "" || len(b.Items) == 0 || b.Items[0].ItemID == "" {
			t.Errorf("request %+v lacks a message or items", b)
		}
	}
}

func TestGeneratorClassifiesAnswers(t *testing.T) {
	statuses := []int{http.StatusOK, http.StatusUnauthorized, http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable}
	var mu sync.Mutex
	next := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		status := statuses[next]
		next++
		mu.Unlock()
		w.WriteHeader(status)
	}))
	defer srv.Close()

	var logs bytes.Buffer
	gen := newGenerator(testConfig(srv.URL, 1), srv.Client(), slog.New(slog.NewJSONHandler(&logs, nil)))
	// One worker and a tick at a time: the answers come in order.
	for range statuses {
		gen.Run(context.Background(), sendTicks(1))
	}
	want := Stats{Sent: 5, OK: 1, ClientErrors: 2, ServerErrors: 2}
	if got := gen.Stats(); got != want {
		t.Errorf("stats = %+v, want %+v", got, want)
	}
	if !strings.Contains(logs.String(), "LOADGEN_API_KEY is not one of the backend's SCANIUM_API_KEYS") {
		t.Errorf("a 401 does not say what to fix: %s", logs.String())
	}
	if strings.Contains(logs.String(), "test-key") {
		t.Error("the key leaks into the logs")
	}
}

func TestGeneratorSkipsTicksWhenEveryWorkerIsBusy(t *testing.T) {
	arrived := make(chan struct{})
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
	}))
	defer srv.Close()

	gen := newGenerator(testConfig(srv.URL, 1), srv.Client(), discardLogger())
	ticks := make(chan struct{})
	done := make(chan Stats)
	go func() { done <- gen.Run(context.Background(), ticks) }()

	ticks <- struct{}{}
	<-arrived // the only worker is now busy
	ticks <- struct{}{}
	ticks <- struct{}{}
	close(ticks)
	close(release)

	if want := (Stats{Sent: 1, OK: 1, Skipped: 2}); <-done != want {
		t.Errorf("stats = %+v, want %+v", gen.Stats(), want)
	}
}

func TestGeneratorCountsRequestsWithNoAnswer(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	target := srv.URL
	srv.Close()

	gen := newGenerator(testConfig(target, 3), http.DefaultClient, discardLogger())
	if got, want := gen.Run(context.Background(), sendTicks(3)), (Stats{Sent: 3, Failed: 3}); got != want {
		t.Errorf("stats = %+v, want %+v", got, want)
	}
}

func TestGeneratorStopsWithItsContextAndWaitsForRequestsInFlight(t *testing.T) {
	arrived := make(chan struct{})
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
	}))
	defer srv.Close()

	ctx, cancel := context.WithCancel(context.Background())
	gen := newGenerator(testConfig(srv.URL, 1), srv.Client(), discardLogger())
	ticks := make(chan struct{}, 1)
	ticks <- struct{}{}
	done := make(chan Stats)
	go func() { done <- gen.Run(ctx, ticks) }()

	<-arrived
	cancel()
	select {
	case s := <-done:
		t.Fatalf("Run returned %+v while a request was in flight", s)
	default:
	}
	close(release)
	if got := <-done; got.Sent != 1 || got.OK != 1 {
		t.Errorf("stats = %+v, want the request in flight to finish and count as answered", got)
	}
}

func TestHealthHandler(t *testing.T) {
	rec := httptest.NewRecorder()
	healthHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != http.StatusOK || rec.Body.String() != "ok\n" {
		t.Errorf("GET /healthz = %d %q, want 200 ok", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	healthHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/healthz", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /healthz = %d, want 405", rec.Code)
	}
}

func TestRunRefusesABadConfigurationWithoutLeakingTheKey(t *testing.T) {
	var stderr bytes.Buffer
	code := run([]string{"-rate", "-1"}, lookupFrom(map[string]string{envAPIKey: "sk-secret-value"}), &stderr)
	if code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	if !strings.Contains(stderr.String(), "-rate") || strings.Contains(stderr.String(), "sk-secret-value") {
		t.Errorf("stderr = %q: want the -rate problem and no key", stderr.String())
	}
}

func TestRunSendsLoadUntilItsDurationEnds(t *testing.T) {
	var mu sync.Mutex
	requests := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests++
		mu.Unlock()
	}))
	defer srv.Close()

	var stderr bytes.Buffer
	env := lookupFrom(map[string]string{envAPIKey: "k", envHealthAddr: ""})
	code := run([]string{"-target", srv.URL, "-rate", "200", "-duration", "200ms"}, env, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	mu.Lock()
	defer mu.Unlock()
	if requests == 0 {
		t.Errorf("the backend got no request; logs: %s", stderr.String())
	}
	if !strings.Contains(stderr.String(), `"msg":"stopped"`) {
		t.Errorf("no final summary in the logs: %s", stderr.String())
	}
}
