package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
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
type LookupFunc func(key string) (string, bool)

// Load reads the configuration from lookup and validates it. hostName is the
// default service.instance.id. Every problem is reported, each naming the
// variable and what to set.
func Load(lookup LookupFunc, hostName string) (Config, error) {
	l := loader{lookup: lookup, failed: map[string]bool{}}
	cfg := Config{
		Port:        l.port(),
		APIKeys:     l.apiKeys(),
		Environment: l.str(EnvAppEnv, DefaultEnvironment),
		LogLevel:    l.logLevel(),
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
	if len(l.errs) > 0 {
		return Config{}, fmt.Errorf("invalid configuration:\n  %w", JoinLines(l.errs))
	}
	return cfg, nil
}

type loader struct {
	lookup LookupFunc
	errs   []error
	// failed holds the variables already reported, so that a check across
	// variables does not repeat their errors.
	failed map[string]bool
}

func (l *loader) fail(key, format string, args ...any) {
	l.failed[key] = true
	l.errs = append(l.errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
}

// get returns the trimmed value of key and whether it is set to something.
func (l *loader) get(key string) (string, bool) {
	v, ok := l.lookup(key)
	v = strings.TrimSpace(v)
	return v, ok && v != ""
}

func (l *loader) str(key, def string) string {
	if v, ok := l.get(key); ok {
		return v
	}
	return def
}

func (l *loader) port() string {
	v := l.str(EnvPort, DefaultPort)
	port, ok := ParsePort(v)
	if !ok {
		l.fail(EnvPort, "%q is not a TCP port: set a number from 1 to 65535 (default %s)", Truncate(v), DefaultPort)
		return v
	}
	return port
}

// ParsePort reads a TCP port given in decimal digits, surrounding spaces
// ignored, and returns it in canonical form ("0080" is "80"; a sign is not a
// digit).
func ParsePort(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if v == "" || strings.TrimLeft(v, "0123456789") != "" {
		return "", false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 65535 {
		return "", false
	}
	return strconv.Itoa(n), true
}

func (l *loader) apiKeys() []Secret {
	raw, _ := l.get(EnvAPIKeys)
	var keys []Secret
	for _, k := range strings.Split(raw, ",") {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, Secret(k))
		}
	}
	if len(keys) == 0 {
		l.fail(EnvAPIKeys, "not set: the backend accepts no client without a key; set one or more comma-separated keys, e.g. SCANIUM_API_KEYS=$(openssl rand -hex 32)")
	}
	return keys
}

func (l *loader) logLevel() slog.Level {
	v := l.str(EnvLogLevel, DefaultLogLevel)
	var level slog.Level
	if err := level.UnmarshalText([]byte(v)); err != nil {
		l.fail(EnvLogLevel, "%q is not a level: use debug, info, warn or error", v)
	}
	return level
}

func (l *loader) boolean(key string, def bool) bool {
	v, ok := l.get(key)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		l.fail(key, "%q is not a boolean: use true or false", v)
		return def
	}
	return b
}

func (l *loader) duration(key string, def, minimum time.Duration) time.Duration {
	v, ok := l.get(key)
	if !ok {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		l.fail(key, "%q is not a duration: give a number with a unit, e.g. %s", v, def)
		return def
	}
	if d < minimum {
		l.fail(key, "%s is too short: use at least %s", d, minimum)
	}
	return d
}

// byteSize reads a whole number of bytes within [minimum, maximum].
func (l *loader) byteSize(key string, def, minimum, maximum int64) int64 {
	v, ok := l.get(key)
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < minimum || n > maximum {
		l.fail(key, "%q is not a size in bytes: use a whole number from %d to %d (default %d)", Truncate(v), minimum, maximum, def)
		return def
	}
	return n
}

// count reads a whole number within [minimum, maximum].
func (l *loader) count(key, what string, def, minimum, maximum int) int {
	v, ok := l.get(key)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < minimum || n > maximum {
		l.fail(key, "%q is not a number of %s: use a whole number from %d to %d (default %d)", Truncate(v), what, minimum, maximum, def)
		return def
	}
	return n
}

// milliseconds reads a whole number of milliseconds within [minimum,
// maximum], as the OpenTelemetry variables give durations.
func (l *loader) milliseconds(key string, def, minimum, maximum time.Duration) time.Duration {
	v, ok := l.get(key)
	if !ok {
		return def
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		err = nil // ms is the int64 of the same sign farthest from zero
	}
	switch {
	case err != nil:
		l.fail(key, "%q is not a number of milliseconds, e.g. %d", Truncate(v), def.Milliseconds())
	case ms < minimum.Milliseconds():
		l.fail(key, "%sms is too short: use at least %d", Truncate(v), minimum.Milliseconds())
	case ms > maximum.Milliseconds():
		l.fail(key, "%sms is too long: use at most %d", Truncate(v), maximum.Milliseconds())
	default:
		return time.Duration(ms) * time.Millisecond
	}
	return def
}

func (l *loader) server() Server {
	s := Server{
		MaxInFlightRequests: l.count(EnvMaxInFlightRequests, "requests", DefaultMaxInFlightRequests, 1, maximumInFlightRequests),
		MaxConnections:      l.count(EnvMaxConnections, "connections", DefaultMaxConnections, 2, maximumConnections),
		MaxHeaderBytes:      l.count(EnvMaxHeaderBytes, "bytes", DefaultMaxHeaderBytes, minimumMaxHeaderBytes, maximumMaxHeaderBytes),
	}
	if !l.failed[EnvMaxConnections] && !l.failed[EnvMaxInFlightRequests] && s.MaxConnections <= s.MaxInFlightRequests {
		l.fail(EnvMaxConnections, "%d is not above %s (%d): each chat request in flight holds a connection; set %s higher so that /healthz and new clients still find one (default %d)",
			s.MaxConnections, EnvMaxInFlightRequests, s.MaxInFlightRequests, EnvMaxConnections, DefaultMaxConnections)
	}
	return s
}

// shutdownTimeout reads SHUTDOWN_TIMEOUT, the whole shutdown's budget: it
// must hold the final export's budget and leave MinimumDrainBudget for
// in-flight requests.
func (l *loader) shutdownTimeout(cfg Config) time.Duration {
	d := DefaultShutdownTimeout
	if v, ok := l.get(EnvShutdownTimeout); ok {
		parsed, err := time.ParseDuration(v)
		if err != nil {
			l.fail(EnvShutdownTimeout, "%q is not a duration: give a number with a unit, e.g. %s", Truncate(v), DefaultShutdownTimeout)
			return d
		}
		d = parsed
	}
	export := cfg.FinalExportBudget()
	minimum := export + MinimumDrainBudget
	switch {
	case d >= minimum || l.failed[l.exportTimeoutKey()]:
	case export == 0:
		l.fail(EnvShutdownTimeout, "%s is too short: use at least %s (default %s)", d, minimum, DefaultShutdownTimeout)
	default:
		l.fail(EnvShutdownTimeout, "%s leaves no time for in-flight requests: it must hold the final export's %s (%s) and at least %s to drain; set it to at least %s, or shorten %s",
			d, export, l.exportTimeoutKey(), MinimumDrainBudget, minimum, l.exportTimeoutKey())
	}
	return d
}

// exportTimeoutKey is the variable the export timeout is read from.
func (l *loader) exportTimeoutKey() string {
	if _, ok := l.get(EnvOTLPMetricsTimeout); ok {
		return EnvOTLPMetricsTimeout
	}
	return EnvOTLPTimeout
}

func (l *loader) openAI() OpenAI {
	o := OpenAI{
		APIKey:     Secret(l.str(EnvOpenAIKey, "")),
		Model:      l.str(EnvOpenAIModel, DefaultOpenAIModel),
		BaseURL:    DefaultOpenAIBaseURL,
		Timeout:    l.duration(EnvOpenAITimeout, DefaultOpenAITimeout, minimumOpenAITimeout),
		MaxRetries: DefaultMaxRetries,
		MaxResponseBytes: l.byteSize(EnvOpenAIMaxResponse, DefaultOpenAIMaxResponseBytes,
			minimumMaxResponseBytes, maximumMaxResponseBytes),
	}
	if len(o.Model) > maximumModelNameLength || !modelName.MatchString(o.Model) {
		l.fail(EnvOpenAIModel, "%q is not a model name: use OpenAI's name of a chat model, e.g. %s", Truncate(o.Model), DefaultOpenAIModel)
	}
	if v, ok := l.get(EnvOpenAIBaseURL); ok {
		o.BaseURL = strings.TrimRight(v, "/")
		o.CustomBaseURL = o.BaseURL != DefaultOpenAIBaseURL
		if err := checkHTTPURL(o.BaseURL); err != nil {
			l.fail(EnvOpenAIBaseURL, "%v: set the API's base URL, e.g. %s", err, DefaultOpenAIBaseURL)
		}
	}
	if !o.APIKey.IsSet() && o.CustomBaseURL {
		l.fail(EnvOpenAIKey, "not set while %s is: set %s (any non-empty value for a server that needs none), or unset %s to use the built-in OpenAI simulator",
			EnvOpenAIBaseURL, EnvOpenAIKey, EnvOpenAIBaseURL)
	}
	if v, ok := l.get(EnvOpenAIMaxRetries); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxRetriesUpperBound {
			l.fail(EnvOpenAIMaxRetries, "%q is not a retry count: use a whole number from 0 to %d (default %d)", v, maxRetriesUpperBound, DefaultMaxRetries)
		} else {
			o.MaxRetries = n
		}
	}
	return o
}

func (l *loader) telemetry(hostName string) Telemetry {
	t := Telemetry{
		Enabled:     l.boolean(EnvOTelEnabled, true) && !l.boolean(EnvOTelSDKDisabled, false),
		ServiceName: l.str(EnvOTelServiceName, DefaultServiceName),
		Endpoint:    DefaultOTLPEndpoint,
		HostName:    hostName,
	}
	if len(t.ServiceName) > maximumServiceNameLength {
		l.fail(EnvOTelServiceName, "is %d characters long: use at most %d", len(t.ServiceName), maximumServiceNameLength)
	}
	key, signal := EnvOTLPEndpoint, false
	if v, ok := l.get(EnvOTLPMetricsEndpoint); ok {
		t.Endpoint, key, signal = v, EnvOTLPMetricsEndpoint, true
	} else if v, ok := l.get(EnvOTLPEndpoint); ok {
		t.Endpoint = v
	}
	if err := checkHTTPURL(t.Endpoint); err != nil {
		l.fail(key, "%v: set the OTLP/HTTP endpoint, e.g. http://scanium-alloy:4318", err)
	}
	t.MetricsURL = t.Endpoint
	if !signal {
		t.MetricsURL = strings.TrimRight(t.Endpoint, "/") + otlpMetricsPath
	}
	t.Traces = l.signal(EnvTracesExporter, EnvOTLPTracesEndpoint, otlpTracesPath)
	t.Logs = l.signal(EnvLogsExporter, EnvOTLPLogsEndpoint, otlpLogsPath)
	t.Sampler = l.sampler()
	t.CaptureMessageContent = l.boolean(EnvCaptureMessageContent, false)
	t.ExportInterval = l.milliseconds(EnvMetricExportInterval, DefaultExportInterval, minimumExportInterval, maximumExportInterval)
	t.ExportTimeout = l.milliseconds(l.exportTimeoutKey(), DefaultExportTimeout, minimumExportTimeout, maximumExportTimeout)
	return t
}

// signal reads how one more signal (traces or logs) is exported:
// exporterKey (OTEL_TRACES_EXPORTER, OTEL_LOGS_EXPORTER) is otlp or none;
// its URL is endpointKey's value as is, else the base endpoint
// (OTEL_EXPORTER_OTLP_ENDPOINT or the default) with path appended.
func (l *loader) signal(exporterKey, endpointKey, path string) Signal {
	switch v, _ := l.get(exporterKey); strings.ToLower(v) {
	case "", ExporterOTLP:
	case ExporterNone:
		return Signal{}
	default:
		l.fail(exporterKey, "%q is not an exporter the backend has: use %s (the default) or %s", Truncate(v), ExporterOTLP, ExporterNone)
		return Signal{}
	}
	if v, ok := l.get(endpointKey); ok {
		if err := checkHTTPURL(v); err != nil {
			l.fail(endpointKey, "%v: set the OTLP/HTTP endpoint of the signal, e.g. http://scanium-alloy:4318%s", err, path)
		}
		return Signal{Enabled: true, URL: v}
	}
	base := DefaultOTLPEndpoint
	if v, ok := l.get(EnvOTLPEndpoint); ok {
		base = v
		if err := checkHTTPURL(v); err != nil && !l.failed[EnvOTLPEndpoint] {
			l.fail(EnvOTLPEndpoint, "%v: set the OTLP/HTTP endpoint, e.g. http://scanium-alloy:4318", err)
		}
	}
	return Signal{Enabled: true, URL: strings.TrimRight(base, "/") + path}
}

// sampler reads OTEL_TRACES_SAMPLER and, for the ratio samplers,
// OTEL_TRACES_SAMPLER_ARG (a ratio from 0 to 1, default 1).
func (l *loader) sampler() Sampler {
	s := Sampler{Name: DefaultTracesSampler, Ratio: 1}
	if v, ok := l.get(EnvTracesSampler); ok {
		s.Name = strings.ToLower(v)
	}
	switch s.Name {
	case SamplerAlwaysOn, SamplerAlwaysOff, SamplerParentBasedAlwaysOn, SamplerParentBasedAlwaysOff:
		return s // the argument applies to the ratio samplers only
	case SamplerTraceIDRatio, SamplerParentBasedTraceIDRatio:
	default:
		l.fail(EnvTracesSampler, "%q is not a sampler the backend has: use %s (the default), %s, %s, %s, %s or %s",
			Truncate(s.Name), SamplerParentBasedAlwaysOn, SamplerParentBasedAlwaysOff, SamplerParentBasedTraceIDRatio,
			SamplerAlwaysOn, SamplerAlwaysOff, SamplerTraceIDRatio)
		return Sampler{Name: DefaultTracesSampler, Ratio: 1}
	}
	if v, ok := l.get(EnvTracesSamplerArg); ok {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || !(r >= 0 && r <= 1) {
			l.fail(EnvTracesSamplerArg, "%q is not a sampling ratio: use a number from 0 to 1, e.g. 0.25 for a quarter of the traces (default 1)", Truncate(v))
			return s
		}
		s.Ratio = r
	}
	return s
}

func checkHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL", shownURL(raw))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q is not an http(s) URL", shownURL(raw))
	}
	if u.Host == "" {
		return fmt.Errorf("%q has no host", shownURL(raw))
	}
	if u.User != nil {
		return errors.New("the URL carries credentials: pass them in headers, not in the URL")
	}
	return nil
}

// shownURL is a URL as error messages show it: shortened, and hidden when it
// may carry credentials.
func shownURL(s string) string {
	if strings.Contains(s, "@") {
		return "<URL with credentials>"
	}
	return Truncate(s)
}

// Truncate cuts a value quoted in an error message to 60 bytes, so that
// a long or hostile value cannot flood the output.
func Truncate(s string) string {
	const n = 60
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// JoinLines joins errors one per line, indented under the first.
func JoinLines(errs []error) error {
	msgs := make([]string, len(errs))
	for i, err := range errs {
		msgs[i] = err.Error()
	}
	return errors.New(strings.Join(msgs, "\n  "))
}
