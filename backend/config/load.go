package config

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/scanium/openai-monitoring/internal/envconfig"
)

// Environment variable names the backend reads.
const (
	EnvPort                  = "PORT"
	EnvAPIKeys               = "SCANIUM_API_KEYS"
	EnvAppEnv                = "APP_ENV"
	EnvLogLevel              = "LOG_LEVEL"
	EnvOpenAIKey             = "OPENAI_API_KEY"
	EnvOpenAIModel           = "OPENAI_MODEL"
	EnvOpenAIBaseURL         = "OPENAI_BASE_URL"
	EnvOpenAITimeout         = "OPENAI_TIMEOUT"
	EnvOpenAIMaxRetries      = "OPENAI_MAX_RETRIES"
	EnvOpenAIMaxResponse     = "OPENAI_MAX_RESPONSE_BYTES"
	EnvOTelEnabled           = "OTEL_ENABLED"
	EnvOTelSDKDisabled       = "OTEL_SDK_DISABLED"
	EnvOTelServiceName       = "OTEL_SERVICE_NAME"
	EnvOTLPEndpoint          = "OTEL_EXPORTER_OTLP_ENDPOINT"
	EnvOTLPMetricsEndpoint   = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"
	EnvMetricExportInterval  = "OTEL_METRIC_EXPORT_INTERVAL"
	EnvOTLPTimeout           = "OTEL_EXPORTER_OTLP_TIMEOUT"
	EnvOTLPMetricsTimeout    = "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT"
	EnvOTLPTracesEndpoint    = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	EnvOTLPLogsEndpoint      = "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"
	EnvTracesExporter        = "OTEL_TRACES_EXPORTER"
	EnvLogsExporter          = "OTEL_LOGS_EXPORTER"
	EnvTracesSampler         = "OTEL_TRACES_SAMPLER"
	EnvTracesSamplerArg      = "OTEL_TRACES_SAMPLER_ARG"
	EnvCaptureMessageContent = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
	EnvShutdownTimeout       = "SHUTDOWN_TIMEOUT"
	EnvMaxInFlightRequests   = "MAX_IN_FLIGHT_REQUESTS"
	EnvMaxConnections        = "MAX_CONNECTIONS"
	EnvMaxHeaderBytes        = "MAX_HEADER_BYTES"
	otlpMetricsPath          = "/v1/metrics"
	otlpTracesPath           = "/v1/traces"
	otlpLogsPath             = "/v1/logs"
	maxRetriesUpperBound     = 10
	minimumMaxResponseBytes  = 64 << 10
	maximumMaxResponseBytes  = 1 << 30
	minimumOpenAITimeout     = 100 * time.Millisecond
	minimumExportInterval    = 100 * time.Millisecond
	maximumExportInterval    = 24 * time.Hour
	minimumExportTimeout     = 100 * time.Millisecond
	maximumExportTimeout     = time.Minute
	maximumModelNameLength   = 100
	maximumServiceNameLength = 100
	maximumInFlightRequests  = 100_000
	maximumConnections       = 1_000_000
	minimumMaxHeaderBytes    = 4 << 10
	maximumMaxHeaderBytes    = 1 << 20
)

// modelName bounds the model label value: it names an OpenAI model, so it is
// short and made of a small alphabet.
var modelName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]*$`)

// LookupFunc reads one environment variable, like os.LookupEnv.
type LookupFunc = envconfig.LookupFunc

// Load reads the configuration from lookup and validates it. hostName is the
// default service.instance.id. Every problem is reported, each naming the
// variable and what to set.
func Load(lookup LookupFunc, hostName string) (Config, error) {
	l := loader{r: envconfig.NewReader(lookup, nil), v: declare()}
	cfg := Config{
		Port:        envconfig.Get(l.r, l.v.port),
		APIKeys:     l.apiKeys(),
		Environment: envconfig.Get(l.r, l.v.appEnv),
		LogLevel:    envconfig.Get(l.r, l.v.logLevel),
		OpenAI:      l.openAI(),
		Telemetry:   l.telemetry(hostName),
		Limits: Limits{
			MaxBodyBytes:    DefaultMaxBodyBytes,
			MaxMessageChars: DefaultMaxMessageChars,
			MaxItems:        DefaultMaxItems,
			MaxItemFieldLen: DefaultMaxItemFieldLen,
		},
		Server: l.server(),
	}
	cfg.ShutdownTimeout = l.shutdownTimeout(cfg)
	if err := l.r.Err(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

type loader struct {
	r *envconfig.Reader
	v vars
}

// ParsePort reads a TCP port given in decimal digits, surrounding spaces
// ignored, and returns it in canonical form ("0080" is "80"; a sign is not a
// digit).
func ParsePort(v string) (string, bool) { return envconfig.ParsePort(v) }

func (l *loader) apiKeys() []Secret {
	keys := envconfig.Get(l.r, l.v.apiKeys)
	if len(keys) == 0 {
		l.r.Fail(l.v.apiKeys.Setting(), "not set: the backend accepts no client without a key; set one or more comma-separated keys, e.g. SCANIUM_API_KEYS=$(openssl rand -hex 32)")
	}
	return keys
}

func (l *loader) server() Server {
	s := Server{
		MaxInFlightRequests: envconfig.Get(l.r, l.v.inFlight),
		MaxConnections:      envconfig.Get(l.r, l.v.connections),
		MaxHeaderBytes:      envconfig.Get(l.r, l.v.headerBytes),
	}
	if !l.r.Failed(EnvMaxConnections) && !l.r.Failed(EnvMaxInFlightRequests) && s.MaxConnections <= s.MaxInFlightRequests {
		l.r.Fail(l.v.connections.Setting(), "%d is not above %s (%d): each chat request in flight holds a connection; set %s higher so that /healthz and new clients still find one (default %d)",
			s.MaxConnections, EnvMaxInFlightRequests, s.MaxInFlightRequests, EnvMaxConnections, DefaultMaxConnections)
	}
	return s
}

// shutdownTimeout reads SHUTDOWN_TIMEOUT, the whole shutdown's budget: it
// must hold the final export's budget and leave MinimumDrainBudget for
// in-flight requests.
func (l *loader) shutdownTimeout(cfg Config) time.Duration {
	d, ok := envconfig.Lookup(l.r, l.v.shutdownTimeout)
	if !ok && l.r.Failed(EnvShutdownTimeout) {
		return d
	}
	export := cfg.FinalExportBudget()
	minimum := export + MinimumDrainBudget
	key := l.exportTimeoutKey()
	switch {
	case d >= minimum || l.r.Failed(key):
	case export == 0:
		l.r.Fail(l.v.shutdownTimeout.Setting(), "%s is too short: use at least %s (default %s)", d, minimum, DefaultShutdownTimeout)
	default:
		l.r.Fail(l.v.shutdownTimeout.Setting(), "%s leaves no time for in-flight requests: it must hold the final export's %s (%s) and at least %s to drain; set it to at least %s, or shorten %s",
			d, export, key, MinimumDrainBudget, minimum, key)
	}
	return d
}

// exportTimeout is the declaration the export timeout is read from.
func (l *loader) exportTimeout() envconfig.Var[time.Duration] {
	if l.r.IsSet(l.v.metricsTimeout.Setting()) {
		v := l.v.metricsTimeout
		v.Default = DefaultExportTimeout
		return v
	}
	return l.v.exportTimeout
}

// exportTimeoutKey is the variable the export timeout is read from.
func (l *loader) exportTimeoutKey() string { return l.exportTimeout().Env }

func (l *loader) openAI() OpenAI {
	o := OpenAI{
		APIKey:           envconfig.Get(l.r, l.v.openAIKey),
		Model:            envconfig.Get(l.r, l.v.model),
		BaseURL:          l.v.baseURL.Default,
		Timeout:          envconfig.Get(l.r, l.v.openAITimeout),
		MaxRetries:       envconfig.Get(l.r, l.v.maxRetries),
		MaxResponseBytes: envconfig.Get(l.r, l.v.maxResponse),
	}
	if len(o.Model) > maximumModelNameLength || !modelName.MatchString(o.Model) {
		l.r.Fail(l.v.model.Setting(), "%q is not a model name: use OpenAI's name of a chat model, e.g. %s", envconfig.Truncate(o.Model), DefaultOpenAIModel)
	}
	if v, ok := envconfig.Lookup(l.r, l.v.baseURL); ok {
		o.BaseURL = v
		o.CustomBaseURL = o.BaseURL != DefaultOpenAIBaseURL
	}
	if !o.APIKey.IsSet() && o.CustomBaseURL {
		l.r.Fail(l.v.openAIKey.Setting(), "not set while %s is: set %s (any non-empty value for a server that needs none), or unset %s to use the built-in OpenAI simulator",
			EnvOpenAIBaseURL, EnvOpenAIKey, EnvOpenAIBaseURL)
	}
	return o
}

func (l *loader) telemetry(hostName string) Telemetry {
	enabled := envconfig.Get(l.r, l.v.otelEnabled)
	disabled := envconfig.Get(l.r, l.v.sdkDisabled)
	t := Telemetry{
		Enabled:     enabled && !disabled,
		ServiceName: envconfig.Get(l.r, l.v.serviceName),
		HostName:    hostName,
	}
	if len(t.ServiceName) > maximumServiceNameLength {
		l.r.Fail(l.v.serviceName.Setting(), "is %d characters long: use at most %d", len(t.ServiceName), maximumServiceNameLength)
	}
	if l.r.IsSet(l.v.metricsEndpoint.Setting()) {
		t.Endpoint = envconfig.Get(l.r, l.v.metricsEndpoint)
		t.MetricsURL = t.Endpoint
	} else {
		t.Endpoint = envconfig.Get(l.r, l.v.endpoint)
		t.MetricsURL = strings.TrimRight(t.Endpoint, "/") + otlpMetricsPath
	}
	t.Traces = l.signal(l.v.tracesExporter, l.v.tracesEndpoint, otlpTracesPath)
	t.Logs = l.signal(l.v.logsExporter, l.v.logsEndpoint, otlpLogsPath)
	t.Sampler = l.sampler()
	t.CaptureMessageContent = envconfig.Get(l.r, l.v.captureContent)
	t.ExportInterval = envconfig.Get(l.r, l.v.exportInterval)
	t.ExportTimeout = envconfig.Get(l.r, l.exportTimeout())
	return t
}

// signal reads how one more signal (traces or logs) is exported: exporter
// (OTEL_TRACES_EXPORTER, OTEL_LOGS_EXPORTER) is otlp or none; its URL is
// endpoint's value as is, else the base endpoint (OTEL_EXPORTER_OTLP_ENDPOINT
// or the default) with path appended.
func (l *loader) signal(exporter, endpoint envconfig.Var[string], path string) Signal {
	switch v := envconfig.Get(l.r, exporter); strings.ToLower(v) {
	case ExporterOTLP:
	case ExporterNone:
		return Signal{}
	default:
		l.r.Fail(exporter.Setting(), "%q is not an exporter the backend has: use %s (the default) or %s", envconfig.Truncate(v), ExporterOTLP, ExporterNone)
		return Signal{}
	}
	if l.r.IsSet(endpoint.Setting()) {
		return Signal{Enabled: true, URL: envconfig.Get(l.r, endpoint)}
	}
	// The base endpoint, reported once whichever signal reads it.
	base, _, ok := l.r.Raw(l.v.endpoint.Setting())
	if !ok {
		base = l.v.endpoint.Default
	} else if !l.r.Failed(EnvOTLPEndpoint) {
		envconfig.Get(l.r, l.v.endpoint)
	}
	return Signal{Enabled: true, URL: strings.TrimRight(base, "/") + path}
}

// sampler reads OTEL_TRACES_SAMPLER and, for the ratio samplers,
// OTEL_TRACES_SAMPLER_ARG (a ratio from 0 to 1, default 1).
func (l *loader) sampler() Sampler {
	s := Sampler{Name: strings.ToLower(envconfig.Get(l.r, l.v.sampler)), Ratio: 1}
	switch s.Name {
	case SamplerAlwaysOn, SamplerAlwaysOff, SamplerParentBasedAlwaysOn, SamplerParentBasedAlwaysOff:
		return s // the argument applies to the ratio samplers only
	case SamplerTraceIDRatio, SamplerParentBasedTraceIDRatio:
	default:
		l.r.Fail(l.v.sampler.Setting(), "%q is not a sampler the backend has: use %s (the default), %s, %s, %s, %s or %s",
			envconfig.Truncate(s.Name), SamplerParentBasedAlwaysOn, SamplerParentBasedAlwaysOff, SamplerParentBasedTraceIDRatio,
			SamplerAlwaysOn, SamplerAlwaysOff, SamplerTraceIDRatio)
		return Sampler{Name: DefaultTracesSampler, Ratio: 1}
	}
	if v, ok := envconfig.Lookup(l.r, l.v.samplerArg); ok {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || !(r >= 0 && r <= 1) {
			l.r.Fail(l.v.samplerArg.Setting(), "%q is not a sampling ratio: use a number from 0 to 1, e.g. 0.25 for a quarter of the traces (default 1)", envconfig.Truncate(v))
			return s
		}
		s.Ratio = r
	}
	return s
}
