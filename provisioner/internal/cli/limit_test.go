package cli

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestHugeHealthAnswerIsNotEchoed: a health endpoint that sends 512 MiB
// (streamed, never held) makes plan fail at once with a short message,
// whether the answer is a page or JSON whose version would be printed.
func TestHugeHealthAnswerIsNotEchoed(t *testing.T) {
	for _, tt := range []struct {
		contentType string
		head, chunk string
		tail        string
	}{
		{contentType: "text/html", chunk: "<p>not grafana</p>"},
		{contentType: "application/json", head: `{"database":"ok","version":"`, chunk: "12.0.0-", tail: `"}`},
	} {
		t.Run(tt.contentType, func(t *testing.T) {
			chunk := bytes.Repeat([]byte(tt.chunk), 64<<10/len(tt.chunk))
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				_, _ = w.Write([]byte(tt.head))
				for sent := 0; sent < 512<<20; sent += len(chunk) {
					if _, err := w.Write(chunk); err != nil {
						return
					}
				}
				_, _ = w.Write([]byte(tt.tail))
			}))
			defer srv.Close()
			h := newHarness(t)
			h.env["GRAFANA_URL"] = srv.URL
			stdout, stderr := h.mustRun(ExitError, "plan", "-wait", "1m")
			want := "error: grafana at " + srv.URL + ": the answer from GET /api/health exceeded 33554432 bytes (32 MiB), the provisioner's limit for one answer of Grafana\n"
			if stderr != want || stdout != "" {
				t.Errorf("stdout:\n%.2000s\nstderr:\n%.2000s\nwant stderr:\n%s", stdout, stderr, want)
			}
		})
	}
}
