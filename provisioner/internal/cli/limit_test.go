package cli

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestHugeHealthAnswerIsNotEchoed: a health endpoint that sends 512 MiB
// (streamed, never held) makes plan fail at once with a short message.
func TestHugeHealthAnswerIsNotEchoed(t *testing.T) {
	chunk := bytes.Repeat([]byte("<p>not grafana</p>"), 4096)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		for sent := 0; sent < 512<<20; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	h := newHarness(t)
	h.env["GRAFANA_URL"] = srv.URL
	stdout, stderr := h.mustRun(ExitError, "plan", "-wait", "1m")
	want := "error: grafana at " + srv.URL + ": the answer from GET /api/health exceeded 33554432 bytes (32 MiB), the provisioner's limit for one answer of Grafana\n"
	if stderr != want || stdout != "" {
		t.Errorf("stdout:\n%.2000s\nstderr:\n%.2000s\nwant stderr:\n%s", stdout, stderr, want)
	}
}
