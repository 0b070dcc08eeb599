package app

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/backend/internal/otlptest"
	"github.com/scanium/openai-monitoring/backend/openaisim"
	"github.com/scanium/openai-monitoring/backend/openaisim/simtest"
)

// Every log line passes through one redaction, on stdout and as OTLP log
// records alike: a metrics
// collector that quotes the request's credential in its rejection makes the
// backend log a warning holding it; the warning's OTLP record, like its
// stdout line, shows <secret>.
func TestOTLPLogRecordsAreRedacted(t *testing.T) {
	const user, password = "otlp-user", "otlp-password-7781"
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	headers := "Authorization=Basic%20" + basic
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", headers)

	recv := otlptest.New(t)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/metrics" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte("tenant rejected: got Authorization " + r.Header.Get("Authorization") + " for " + password))
			return
		}
		recv.ServeHTTP(w, r)
	}))
	defer collector.Close()
	_, simURL := simtest.Start(t, openaisim.Config{})
	const openAIKey = "sk-app-otlp-log-redaction-key"
	b := startBackend(t, map[string]string{
		"SCANIUM_API_KEYS": clientKey, "OPENAI_API_KEY": openAIKey, "OPENAI_BASE_URL": simURL,
		"OTEL_EXPORTER_OTLP_ENDPOINT": collector.URL, "OTEL_EXPORTER_OTLP_HEADERS": headers,
		"OTEL_METRIC_EXPORT_INTERVAL": "200",
	})
	if status, body := b.chat(t); status != http.StatusOK {
		t.Fatalf("chat: %d %s", status, body)
	}
	waitUntil(t, "an OTLP log record tells the rejected export", func() bool {
		return recv.RawContains("tenant rejected: got Authorization <secret> for <secret>")
	})
	b.stop(t)

	if errs := recv.Errors(); len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, secret := range []string{basic, password, user + ":" + password, openAIKey, clientKey} {
		if recv.RawContains(secret) {
			t.Fatal("a secret reached an OTLP log record")
		}
	}
	out := b.stdout.String() + b.stderr.String()
	if !strings.Contains(out, "tenant rejected: got Authorization <secret> for <secret>") {
		t.Error("the stdout line is not redacted alike")
	}
	for _, secret := range []string{basic, password, user + ":" + password, openAIKey, clientKey} {
		if strings.Contains(out, secret) {
			t.Fatal("a secret reached the backend's output")
		}
	}
}
