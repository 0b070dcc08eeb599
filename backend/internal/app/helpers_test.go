package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// answer is what a client got back, or the error it met.
type answer struct {
	status int
	header http.Header
	code   string // the JSON error body's code, if any
	body   string
	err    error
}

// postChat sends one valid chat request with client; it never fails the
// test, so goroutines may call it.
func postChat(client *http.Client, baseURL string) answer {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, baseURL+"/api/assistant/chat", strings.NewReader(chatBody))
	if err != nil {
		return answer{err: err}
	}
	req.Header.Set("Authorization", "Bearer "+clientKey)
	req.Header.Set("Content-Type", "application/json")
	return do(client, req)
}

func do(client *http.Client, req *http.Request) answer {
	resp, err := client.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, body: string(body), err: err}
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil {
		a.code = e.Error.Code
	}
	return a
}

// quickClient is a client for requests that must be answered promptly; its
// timeout is generous, it only bounds a test that would otherwise hang.
func quickClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
}

// waitUntil polls cond until it holds, failing the test after a generous
// bound.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// exitWithin waits for the backend to exit and returns its code, failing the
// test when it has not exited within bound.
func (r *running) exitWithin(t *testing.T, bound time.Duration) int {
	t.Helper()
	select {
	case code := <-r.exit:
		return code
	case <-time.After(bound):
		t.Fatalf("backend still running %s after the signal:\n%s", bound, r.stdout)
		return -1
	}
}

// signal delivers sig to the backend, failing the test when it is not taken.
func (r *running) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	select {
	case r.signals <- sig:
	case <-time.After(10 * time.Second):
		t.Fatalf("the backend does not take the signal %s", sig)
	}
}

// openDescriptors counts this process's open file descriptors, or skips the
// test where /proc does not list them.
func openDescriptors(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count open descriptors: %v", err)
	}
	return len(entries)
}
