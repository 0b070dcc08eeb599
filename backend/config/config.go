// Package config loads and validates the Scanium backend's configuration from
// its environment. Secrets it holds print as <secret>.
package config

import (
	"log/slog"
	"time"

	"github.com/scanium/openai-monitoring/internal/secret"
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
	DefaultExportInterval = 5 * time.Second
	DefaultEnvironment    = "development"
	DefaultLogLevel       = "info"
	// DefaultTracesSampler samples every request, and follows a caller's
	// sampling decision when its traceparent carries one.
	DefaultTracesSampler = SamplerParentBasedAlwaysOn
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
)

// Limits of the HTTP server.
const (
	// DefaultMaxInFlightRequests bounds the chat requests handled at once
	// (MAX_IN_FLIGHT_REQUESTS). OpenAI's first usage tier allows 500 requests
	// a minute; calls that take up to OPENAI_TIMEOUT (30 s) at that rate are
	// about 250 at once. Each holds one connection to OpenAI and about 64 KiB.
	DefaultMaxInFlightRequests = 256
	// DefaultMaxConnections bounds the open client connections
	// (MAX_CONNECTIONS): four per chat request in flight, for keep-alive
	// clients and the health checks.
	DefaultMaxConnections = 1024
	// DefaultMaxHeaderBytes bounds a request's header (MAX_HEADER_BYTES),
	// instead of Go's 1 MiB. Go's server allows 4 KiB beyond it and answers
	// 431 past that.
	DefaultMaxHeaderBytes = 32 << 10
	// FileDescriptorReserve is what the backend may hold open besides its
	// connections: the listener, the exporter's connections, the runtime's,
	// the standard streams, and the refused connections being closed
	// (at most 32 at once).
	FileDescriptorReserve = 128
)

// Shutdown budget: from the signal to the exit, SHUTDOWN_TIMEOUT in all,
// split into the drain of in-flight requests and the final export of
// metrics, spans and log records.
const (
	// DefaultShutdownTimeout is SHUTDOWN_TIMEOUT: with the default export
	// timeout it leaves 35 s to drain, more than OPENAI_TIMEOUT's default,
	// so a chat call that has just begun may finish. Compose's
	// stop_grace_period covers it.
	DefaultShutdownTimeout = 40 * time.Second
	// DefaultExportTimeout bounds one export of any signal, retries
	// included (OTEL_EXPORTER_OTLP_METRICS_TIMEOUT or
	// OTEL_EXPORTER_OTLP_TIMEOUT, in milliseconds); it is also the final
	// export's budget at shutdown, where the three signals export at once.
	DefaultExportTimeout = 5 * time.Second
	// MinimumDrainBudget is the least time SHUTDOWN_TIMEOUT must leave for
	// in-flight requests after the final export's budget.
	MinimumDrainBudget = time.Second
)

// Secret is a credential: the module's one secret type, which prints as
// <secret> however it is formatted, marshalled or logged.
type Secret = secret.Secret

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
	Server    Server

	// ShutdownTimeout is the whole shutdown's budget, from the signal to the
	// exit (SHUTDOWN_TIMEOUT): DrainBudget for in-flight requests, then
	// FinalExportBudget for the last export of every signal.
	ShutdownTimeout time.Duration
}

// FinalExportBudget is the time the shutdown keeps for the last export of
// metrics, spans and log records, which run at once: the exporters'
// timeout, or nothing when telemetry is off.
func (c Config) FinalExportBudget() time.Duration {
	if !c.Telemetry.Enabled {
		return 0
	}
	return c.Telemetry.ExportTimeout
}

// DrainBudget is the time in-flight requests have to finish after a
// shutdown signal; then their connections are cut.
func (c Config) DrainBudget() time.Duration {
	return c.ShutdownTimeout - c.FinalExportBudget()
}

// FileDescriptors is how many open files the backend may need at its
// limits: its client connections, one connection to OpenAI per chat request
// in flight (two with the built-in simulator, which holds the other end),
// and FileDescriptorReserve.
func (c Config) FileDescriptors() uint64 {
	perRequest := uint64(1)
	if c.OpenAI.UseSimulator() {
		perRequest = 2
	}
	return uint64(c.Server.MaxConnections) + perRequest*uint64(c.Server.MaxInFlightRequests) + FileDescriptorReserve
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
func (o OpenAI) UseSimulator() bool { return !o.APIKey.IsSet() }

// Telemetry configures OpenTelemetry metrics, traces and logs. The OTLP
// exporters still read the other standard OTEL_EXPORTER_OTLP_* variables
// (headers, compression, certificates) themselves. One export timeout and
// one final export budget apply to all three signals.
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
	// ExportTimeout bounds one export, retries included:
	// OTEL_EXPORTER_OTLP_METRICS_TIMEOUT if set, else
	// OTEL_EXPORTER_OTLP_TIMEOUT (milliseconds), else DefaultExportTimeout.
	ExportTimeout time.Duration
	// HostName is the default service.instance.id; OTEL_RESOURCE_ATTRIBUTES
	// may set another.
	HostName string

	// Traces is where spans go: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or the
	// base endpoint + /v1/traces; off with OTEL_TRACES_EXPORTER=none.
	Traces Signal
	// Logs is where log records go: OTEL_EXPORTER_OTLP_LOGS_ENDPOINT, or the
	// base endpoint + /v1/logs; off with OTEL_LOGS_EXPORTER=none.
	Logs Signal
	// Sampler decides which traces are recorded.
	Sampler Sampler
	// CaptureMessageContent puts the chat messages and the reply, each cut
	// to a bounded size, on the OpenAI spans
	// (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT, default false).
	CaptureMessageContent bool
}

// Exporters OTEL_TRACES_EXPORTER and OTEL_LOGS_EXPORTER name.
const (
	ExporterOTLP = "otlp"
	ExporterNone = "none"
)

// Samplers OTEL_TRACES_SAMPLER names, as the OpenTelemetry specification
// spells them.
const (
	SamplerAlwaysOn                = "always_on"
	SamplerAlwaysOff               = "always_off"
	SamplerTraceIDRatio            = "traceidratio"
	SamplerParentBasedAlwaysOn     = "parentbased_always_on"
	SamplerParentBasedAlwaysOff    = "parentbased_always_off"
	SamplerParentBasedTraceIDRatio = "parentbased_traceidratio"
)

// Signal is how traces or logs are exported.
type Signal struct {
	// Enabled is false when the signal's exporter is none.
	Enabled bool
	// URL is the full URL the signal is posted to: its own endpoint
	// variable as is, or the base endpoint with /v1/traces or /v1/logs
	// appended.
	URL string
}

// Sampler is the trace sampler (OTEL_TRACES_SAMPLER).
type Sampler struct {
	// Name is one of the Sampler* constants.
	Name string
	// Ratio is the share of traces sampled by the ratio samplers
	// (OTEL_TRACES_SAMPLER_ARG), from 0 to 1.
	Ratio float64
}

// Limits bounds what the chat endpoint accepts.
type Limits struct {
	MaxBodyBytes    int64
	MaxMessageChars int
	MaxItems        int
	MaxItemFieldLen int
}

// Server bounds what the HTTP server holds at once.
type Server struct {
	// MaxInFlightRequests is how many chat requests are handled at once
	// (MAX_IN_FLIGHT_REQUESTS); more are refused with 503 OVERLOADED.
	MaxInFlightRequests int
	// MaxConnections is how many client connections are open at once
	// (MAX_CONNECTIONS); a new one beyond it replaces the longest idle.
	MaxConnections int
	// MaxHeaderBytes bounds a request's header (MAX_HEADER_BYTES).
	MaxHeaderBytes int
}
