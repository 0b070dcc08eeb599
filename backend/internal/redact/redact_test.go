package redact_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/backend/internal/redact"
)

const (
	openAIKey = "sk-test-0123456789abcdef"
	clientKey = "client-key-fedcba9876"
	otlpUser  = "alloy-user"
	otlpPass  = "otlp-password-42"
)

func TestStringReplacesEverySecret(t *testing.T) {
	r := redact.New(openAIKey, clientKey, "", "short")
	got := r.String("a " + openAIKey + " b " + clientKey + " c " + openAIKey + " short")
	if want := "a <secret> b <secret> c <secret> short"; got != want {
		t.Errorf("got %q, want %q (values under %d characters are kept)", got, want, redact.MinLength)
	}
	if got := r.String("nothing here"); got != "nothing here" {
		t.Errorf("text without secrets changed: %q", got)
	}
	var none *redact.Redactor
	if got := none.String(openAIKey); got != openAIKey {
		t.Errorf("a nil Redactor changed the text")
	}
}

func TestLongerSecretGoesWhole(t *testing.T) {
	r := redact.New("abcdef", "abcdef-ghijkl")
	if got := r.String("x abcdef-ghijkl y"); got != "x <secret> y" {
		t.Errorf("got %q", got)
	}
}

func TestHeaderSecrets(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte(otlpUser + ":" + otlpPass))
	secrets := redact.HeaderSecrets("Authorization=Basic%20" + basic + ",X-Scope-OrgID=tenant-1, api-key = k3y-value-1")
	r := redact.New(secrets...)
	for _, leaked := range []string{
		"Basic " + basic, "Basic%20" + basic, basic, otlpUser + ":" + otlpPass, otlpPass, "k3y-value-1",
	} {
		if got := r.String("collector said: " + leaked); strings.Contains(got, leaked) {
			t.Errorf("%q survives: %q", leaked, got)
		}
	}
}

func TestHandlerRedactsMessagesAttributesErrorsAndGroups(t *testing.T) {
	var buf bytes.Buffer
	r := redact.New(openAIKey, clientKey)
	logger := slog.New(redact.Handler(slog.NewJSONHandler(&buf, nil), r)).With("preset", "with "+clientKey)
	exportErr := fmt.Errorf("failed to send metrics: 400 Bad Request (body: header was Bearer %s)", openAIKey)
	logger.Warn("export failed for "+openAIKey,
		"error", exportErr,
		"plain", "ok",
		slog.Group("g", slog.String("inner", openAIKey), slog.Int("n", 3)),
	)
	out := buf.String()
	for _, secret := range []string{openAIKey, clientKey} {
		if strings.Contains(out, secret) {
			t.Fatalf("a secret reached the log: %s", out)
		}
	}
	for _, want := range []string{`"plain":"ok"`, `"n":3`, `400 Bad Request (body: header was Bearer <secret>)`, `"preset":"with <secret>"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s: %s", want, out)
		}
	}
}

func TestHandlerWithoutSecretsIsTheHandlerItself(t *testing.T) {
	next := slog.NewTextHandler(&bytes.Buffer{}, nil)
	if redact.Handler(next, redact.New("", "abc")) != slog.Handler(next) {
		t.Error("a Redactor with nothing to redact should not wrap the handler")
	}
}

// A line that holds no secret, as every access log line should, goes through
// as it is: the redaction allocates nothing more than the handler it wraps.
func TestCleanLineAllocatesNothingMore(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts through sync.Pool are not exact under -race; `make test-short` and `make bench` count them")
	}
	allocs := func(h slog.Handler) float64 {
		logger := slog.New(h)
		return testing.AllocsPerRun(200, func() {
			logger.Info("request", "request_id", "8c11826a4f68e97d", "method", "POST", "path", "/api/assistant/chat",
				"status", 200, "duration_ms", 4.2, "bytes", 323, "openai_request_id", "req_ec4c5bee", "openai_attempts", 1)
		})
	}
	plain := allocs(slog.NewJSONHandler(io.Discard, nil))
	redacted := allocs(redact.Handler(slog.NewJSONHandler(io.Discard, nil), redact.New(openAIKey, clientKey)))
	if redacted > plain {
		t.Errorf("a clean line allocates %.0f times through the Redactor, %.0f without", redacted, plain)
	}
}
