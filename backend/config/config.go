// Package config loads and validates the Scanium backend's configuration from
// its environment. Secrets it holds print as <secret>.
package config

import (
	"fmt"
	"log/slog"
	"time"
)

// Defaults of the backend's settings. Compose files and documentation are
// checked against them.
const (
	DefaultPort           = "8080"
	DefaultOpenAIModel    = "gpt-4o-mini"
	DefaultOpenAIBaseURL  = "https://api.openai.com/v1"
	DefaultOpenAITimeout  = 30 * time.Second
	DefaultMaxRetries     = 2
	DefaultServiceName    = "scanium-backend"
	DefaultOTLPEndpoint   = "http://localhost:4318"
	DefaultExportInterval = 10 * time.Second
	DefaultEnvironment    = "development"
	DefaultLogLevel       = "info"
	// DefaultOpenAIMaxResponseBytes bounds one OpenAI answer as read,
	// after decompression (OPENAI_MAX_RESPONSE_BYTES). A chat completion of
	// the longest output OpenAI allows is well under 1 MiB of JSON.
	DefaultOpenAIMaxResponseBytes = 4 << 20
)

// Limits on what the chat endpoint accepts.
const (
	DefaultMaxBodyBytes    = 64 << 10
	DefaultMaxMessageChars = 4000
	DefaultMaxItems        = 20
	DefaultMaxItemFieldLen = 200
	DefaultShutdownTimeout = 45 * time.Second
)

// Secret is a string that never prints: not with fmt, not in slog, not in
// JSON.
type Secret string

const redacted = "<secret>"

// String, GoString, Format, LogValue and MarshalText keep the value out of
// every printed form; Reveal is the one way to read it.
func (Secret) String() string               { return redacted }
func (Secret) GoString() string             { return redacted }
func (Secret) Format(f fmt.State, _ rune)   { _, _ = f.Write([]byte(redacted)) }
func (Secret) LogValue() slog.Value         { return slog.StringValue(redacted) }
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
func (s Secret) Reveal() string             { return string(s) }
func (s Secret) IsZero() bool               { return s == "" }

// Config is the backend's whole configuration.
type Config struct {
	// Port is the TCP port the HTTP server listens on (PORT).
	Port string
	// APIKeys are the keys clients present as Bearer tokens
	// (SCANIUM_API_KEYS, comma-separated).
	APIKeys []Secret
	// Environment names the deployment (APP_ENV).
	Environment string
	// LogLevel is debug, info, warn or error (LOG_LEVEL).
	LogLevel slog.Level

	OpenAI    OpenAI
	Telemetry Telemetry
	Limits    Limits

	// ShutdownTimeout bounds the graceful shutdown: in-flight requests and
	// the final metric flush.
	ShutdownTimeout time.Duration
}

// OpenAI configures the OpenAI provider.
type OpenAI struct {
	// APIKey is OPENAI_API_KEY; empty selects the built-in simulator.
	APIKey Secret
	// Model is the chat model asked for (OPENAI_MODEL). It is also the model
	// label of every OpenAI metric.
	Model string
	// BaseURL is OPENAI_BASE_URL.
	BaseURL string
	// CustomBaseURL tells whether OPENAI_BASE_URL names another server than
	// OpenAI's (compose passes the default explicitly).
	CustomBaseURL bool
	// Timeout bounds one chat call, retries included (OPENAI_TIMEOUT).
	Timeout time.Duration
	// MaxRetries is how many times a failed call is retried (OPENAI_MAX_RETRIES).
	MaxRetries int
	// MaxResponseBytes bounds one answer's body as read, after
	// decompression (OPENAI_MAX_RESPONSE_BYTES).
	MaxResponseBytes int64
}

// UseSimulator tells whether the backend answers through its built-in OpenAI
// simulator because no OpenAI key is configured.
func (o OpenAI) UseSimulator() bool { return o.APIKey.IsZero() }

// Telemetry configures OpenTelemetry metrics. The OTLP exporter still reads
// the other standard OTEL_EXPORTER_OTLP_* variables (headers, timeout,
// compression, certificates) itself.
type Telemetry struct {
	// Enabled is OTEL_ENABLED (and not OTEL_SDK_DISABLED).
	Enabled bool
	// ServiceName is OTEL_SERVICE_NAME.
	ServiceName string
	// Endpoint is the endpoint as configured, for display:
	// OTEL_EXPORTER_OTLP_METRICS_ENDPOINT if set, else
	// OTEL_EXPORTER_OTLP_ENDPOINT, else DefaultOTLPEndpoint.
	Endpoint string
	// MetricsURL is the full URL metrics are posted to: the metrics endpoint
	// as is, or the base endpoint with /v1/metrics appended.
	MetricsURL string
	// ExportInterval is OTEL_METRIC_EXPORT_INTERVAL (milliseconds).
	ExportInterval time.Duration
	// HostName is the default service.instance.id; OTEL_RESOURCE_ATTRIBUTES
	// may set another.
	HostName string
}

// Limits bounds what the chat endpoint accepts.
type Limits struct {
	MaxBodyBytes    int64
	MaxMessageChars int
	MaxItems        int
	MaxItemFieldLen int
}
