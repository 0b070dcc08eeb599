package redact_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/scanium/openai-monitoring/backend/internal/redact"
)

// BenchmarkAccessLogLine is the backend's per-request log line written
// through the plain JSON handler (the baseline) and through the Redactor
// with the secrets of a typical deployment: an OpenAI key, three client keys
// and an OTLP Basic credential. The line holds none of them, as every access
// log line should; compare the two in the same run.
func BenchmarkAccessLogLine(b *testing.B) {
	secrets := append([]string{"sk-proj-0123456789abcdef0123456789abcdef", "client-key-one-0123", "client-key-two-4567", "client-key-three-89"},
		redact.HeaderSecrets("Authorization=Basic%20YWxsb3k6b3RscC1wYXNzd29yZC00Mg==")...)
	for _, v := range []struct {
		name    string
		handler slog.Handler
	}{
		{"plain", slog.NewJSONHandler(io.Discard, nil)},
		{"redacted", redact.Handler(slog.NewJSONHandler(io.Discard, nil), redact.New(secrets...))},
	} {
		b.Run(v.name, func(b *testing.B) {
			logger := slog.New(v.handler)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				logger.LogAttrs(ctx, slog.LevelInfo, "request",
					slog.String("request_id", "8c11826a4f68e97d"), slog.String("method", "POST"),
					slog.String("path", "/api/assistant/chat"), slog.Int("status", 200),
					slog.Float64("duration_ms", 4.256), slog.Int64("bytes", 323),
					slog.String("openai_request_id", "req_ec4c5bee627011b35564fa0600422600"), slog.Int("openai_attempts", 1))
			}
		})
	}
}
