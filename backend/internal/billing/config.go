package billing

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/scanium/openai-monitoring/backend/config"
)

// Environment variables the billing exporter reads besides the standard
// OpenTelemetry ones (config.EnvOTLPEndpoint and the others, read as the
// backend reads them) and config.EnvOpenAIBaseURL, config.EnvAppEnv and
// config.EnvLogLevel.
const (
	EnvAdminKey      = "OPENAI_ADMIN_KEY"
	EnvPollInterval  = "BILLING_POLL_INTERVAL"
	EnvPollTimeout   = "BILLING_POLL_TIMEOUT"
	EnvSettleDelay   = "BILLING_SETTLE_DELAY"
	EnvLookbackDays  = "BILLING_LOOKBACK_DAYS"
	EnvMaxModels     = "BILLING_MAX_MODELS"
	EnvHealthAddr    = "BILLING_HEALTH_ADDR"
	otlpHeadersEnv   = "OTEL_EXPORTER_OTLP_HEADERS"
	otlpMetricHeader = "OTEL_EXPORTER_OTLP_METRICS_HEADERS"
)

// Defaults of the billing exporter's settings.
const (
	// DefaultServiceName is the exporter's service.name (OTEL_SERVICE_NAME),
	// and so its job label.
	DefaultServiceName = "scanium-openai-billing"
	// DefaultPollInterval is BILLING_POLL_INTERVAL: a day's figures change
	// once a day, and the dashboards read the last value of the past day;
	// hourly costs two small requests an hour and shows a settled day at
	// most an hour late.
	DefaultPollInterval = time.Hour
	// DefaultPollTimeout bounds one poll, its pages and retries included
	// (BILLING_POLL_TIMEOUT).
	DefaultPollTimeout = 2 * time.Minute
	// DefaultSettleDelay is BILLING_SETTLE_DELAY: how long after its end a
	// day is taken as final. OpenAI aggregates costs and usage
	// asynchronously and says its figures for a recent period may still
	// change; six hours leave a margin for that while yesterday is still
	// published by 06:00 UTC.
	DefaultSettleDelay = 6 * time.Hour
	// DefaultLookbackDays is BILLING_LOOKBACK_DAYS: the polled range ends at
	// 00:00 UTC today and starts this many days before; it must hold a day
	// settled by the settle delay.
	DefaultLookbackDays = 3
	// DefaultMaxModels is BILLING_MAX_MODELS, the most models one day may
	// have: the bound on the model label's values. A day with more fails
	// the poll rather than export an unbounded set of series.
	DefaultMaxModels = 50
	// MaxResponseBytes bounds one page of the Costs or Usage API as read:
	// a page of 31 daily buckets of 50 models is about 200 KiB of JSON.
	MaxResponseBytes = 4 << 20
)

const (
	minimumPollInterval = time.Second
	minimumPollTimeout  = time.Second
	maximumLookbackDays = 31 // the Usage API's largest page of daily buckets
	maximumMaxModels    = 1000
	maximumModelLength  = 100
	// shutdownForTelemetry is the SHUTDOWN_TIMEOUT the telemetry settings are
	// checked with: the longest export timeout and a second, since the
	// exporter has no requests to drain.
	shutdownForTelemetry = "61s"
	// clientKeysForTelemetry stands in for SCANIUM_API_KEYS, which the
	// backend's loader requires and the exporter, serving no clients, has not.
	clientKeysForTelemetry = "unused-by-the-billing-exporter"
)

// Config is the billing exporter's configuration.
type Config struct {
	// AdminKey is OPENAI_ADMIN_KEY; empty turns reconciliation off.
	AdminKey config.Secret
	// BaseURL is OPENAI_BASE_URL without a trailing slash.
	BaseURL      string
	PollInterval time.Duration
	PollTimeout  time.Duration
	SettleDelay  time.Duration
	LookbackDays int
	MaxModels    int
	// HealthAddr is where GET /healthz answers 200 while the exporter runs
	// (BILLING_HEALTH_ADDR, such as :8098); empty serves nothing.
	HealthAddr string
	// Telemetry, Environment and LogLevel are read as the backend reads
	// them; traces and logs are not exported.
	Telemetry   config.Telemetry
	Environment string
	LogLevel    slog.Level
}

// Enabled tells whether the exporter polls: an admin key is set.
func (c Config) Enabled() bool { return c.AdminKey.IsSet() }

// Load reads the configuration from lookup and validates it; every problem
// is reported, each naming its variable. hostName is the default
// service.instance.id.
func Load(lookup config.LookupFunc, hostName string) (Config, error) {
	get := func(key string) (string, bool) {
		v, ok := lookup(key)
		v = strings.TrimSpace(v)
		return v, ok && v != ""
	}
	var errs []error
	fail := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	duration := func(key string, def, minimum time.Duration) time.Duration {
		v, ok := get(key)
		if !ok {
			return def
		}
		d, err := time.ParseDuration(v)
		switch {
		case err != nil:
			fail(key, "%q is not a duration: give a number with a unit, e.g. %s", config.Truncate(v), def)
		case d < minimum:
			fail(key, "%s is too short: use at least %s (default %s)", d, minimum, def)
		default:
			return d
		}
		return def
	}
	count := func(key string, def, minimum, maximum int) int {
		v, ok := get(key)
		if !ok {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < minimum || n > maximum {
			fail(key, "%q is not a whole number from %d to %d (default %d)", config.Truncate(v), minimum, maximum, def)
			return def
		}
		return n
	}

	key, _ := get(EnvAdminKey)
	c := Config{
		AdminKey:     config.Secret(key),
		BaseURL:      config.DefaultOpenAIBaseURL,
		PollInterval: duration(EnvPollInterval, DefaultPollInterval, minimumPollInterval),
		PollTimeout:  duration(EnvPollTimeout, DefaultPollTimeout, minimumPollTimeout),
		SettleDelay:  duration(EnvSettleDelay, DefaultSettleDelay, 0),
		LookbackDays: count(EnvLookbackDays, DefaultLookbackDays, 1, maximumLookbackDays),
		MaxModels:    count(EnvMaxModels, DefaultMaxModels, 1, maximumMaxModels),
	}
	if v, ok := get(EnvHealthAddr); ok {
		c.HealthAddr = v
		if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
			fail(EnvHealthAddr, "%q is not host:port: give e.g. :8098, or leave it empty for no health endpoint", config.Truncate(v))
		}
	}
	if v, ok := get(config.EnvOpenAIBaseURL); ok {
		c.BaseURL = strings.TrimRight(v, "/")
		if err := checkBaseURL(c.BaseURL); err != nil {
			fail(config.EnvOpenAIBaseURL, "%v: set the API's base URL, e.g. %s", err, config.DefaultOpenAIBaseURL)
		}
	}
	if span := time.Duration(c.LookbackDays-1) * day; c.SettleDelay > span {
		fail(EnvSettleDelay, "%s is longer than the %d days of %s less one: no polled day would ever settle; shorten it or raise %s",
			c.SettleDelay, c.LookbackDays, EnvLookbackDays, EnvLookbackDays)
	}

	backend, err := config.Load(telemetryLookup(lookup), hostName)
	if err != nil {
		errs = append(errs, errors.New(strings.TrimPrefix(err.Error(), "invalid configuration:\n  ")))
	}
	c.Telemetry, c.Environment, c.LogLevel = backend.Telemetry, backend.Environment, backend.LogLevel
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("invalid configuration:\n  %w", config.JoinLines(errs))
	}
	return c, nil
}

// telemetryLookup lets the backend's loader read the telemetry settings, the
// environment and the log level exactly as the backend does, and nothing
// else: its other variables take their defaults, traces and logs are off,
// and OTEL_SERVICE_NAME defaults to the exporter's own name.
func telemetryLookup(lookup config.LookupFunc) config.LookupFunc {
	return func(key string) (string, bool) {
		switch key {
		case config.EnvAPIKeys:
			return clientKeysForTelemetry, true
		case config.EnvTracesExporter, config.EnvLogsExporter:
			return config.ExporterNone, true
		case config.EnvShutdownTimeout:
			return shutdownForTelemetry, true
		case config.EnvOTelServiceName:
			if v, ok := lookup(key); ok && strings.TrimSpace(v) != "" {
				return v, true
			}
			return DefaultServiceName, true
		case config.EnvAppEnv, config.EnvLogLevel, config.EnvOTelEnabled, config.EnvOTelSDKDisabled,
			config.EnvOTLPEndpoint, config.EnvOTLPMetricsEndpoint, config.EnvMetricExportInterval,
			config.EnvOTLPTimeout, config.EnvOTLPMetricsTimeout:
			return lookup(key)
		}
		return "", false
	}
}

// checkBaseURL accepts an http(s) URL with a host and no credentials.
func checkBaseURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return errors.New("not a URL")
	case u.User != nil:
		return errors.New("the URL carries credentials: the admin key goes in OPENAI_ADMIN_KEY")
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%q is not an http(s) URL", config.Truncate(raw))
	case u.Host == "":
		return fmt.Errorf("%q has no host", config.Truncate(raw))
	}
	return nil
}
