package app

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/backend/openaisim"
	"github.com/scanium/openai-monitoring/backend/openaisim/simtest"
)

// A collector that rejects an export and quotes the request's credential in
// its error body: the exporter puts the body in its error, and the backend
// logs that error. The credential must come out as <secret>, the rest of
// the collector's text must stay.
func TestExportErrorQuotingTheCredentialIsRedacted(t *testing.T) {
	const user, password = "otlp-user", "otlp-password-0042"
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	headers := "Authorization=Basic%20" + basic
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", headers)

	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte("tenant rejected: got Authorization " + r.Header.Get("Authorization") + " for " + password))
	}))
	defer collector.Close()
	_, simURL := simtest.Start(t, openaisim.Config{})
	const openAIKey = "sk-app-redaction-test-key"
	b := startBackend(t, map[string]string{
		"SCANIUM_API_KEYS": clientKey, "OPENAI_API_KEY": openAIKey, "OPENAI_BASE_URL": simURL,
		"OTEL_EXPORTER_OTLP_ENDPOINT": collector.URL, "OTEL_EXPORTER_OTLP_HEADERS": headers,
		"OTEL_METRIC_EXPORT_INTERVAL": "3600000",
	})
	if status, body := b.chat(t); status != http.StatusOK {
		t.Fatalf("chat: %d %s", status, body)
	}
	b.stop(t)

	out := b.stdout.String() + b.stderr.String()
	if !strings.Contains(out, "tenant rejected: got Authorization <secret> for <secret>") {
		t.Fatalf("the collector's rejection is not logged with its credential redacted:\n%s", out)
	}
	for _, secret := range []string{basic, password, user + ":" + password, openAIKey, clientKey} {
		if strings.Contains(out, secret) {
			t.Fatalf("a secret reached the backend's output")
		}
	}
}
