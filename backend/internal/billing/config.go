package billing

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/scanium/openai-monitoring/backend/config"
	"github.com/scanium/openai-monitoring/internal/envconfig"
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

// declarations are the exporter's own settings.
type declarations struct {
	adminKey                          envconfig.Var[config.Secret]
	baseURL, healthAddr               envconfig.Var[string]
	pollInterval, pollTimeout, settle envconfig.Var[time.Duration]
	lookbackDays, maxModels           envconfig.Var[int]
}

func declare() declarations {
	return declarations{
		adminKey: envconfig.Var[config.Secret]{Env: EnvAdminKey, Parser: envconfig.Secret(),
			Doc: "admin key of the OpenAI organization (sk-admin-…); unset, reconciliation is off and the exporter idles"},
		baseURL: envconfig.Var[string]{Env: config.EnvOpenAIBaseURL, Default: config.DefaultOpenAIBaseURL,
			Parser: envconfig.Parser[string]{Parse: func(raw, _ string) (string, error) {
				raw = strings.TrimRight(raw, "/")
				if err := checkBaseURL(raw); err != nil {
					return "", fmt.Errorf("%w: set the API's base URL, e.g. %s", err, config.DefaultOpenAIBaseURL)
				}
				return raw, nil
			}},
			Doc: "base URL of the OpenAI API"},
		pollInterval: envconfig.Var[time.Duration]{Env: EnvPollInterval, Default: DefaultPollInterval,
			Parser: envconfig.Duration(minimumPollInterval), Doc: "time between two polls of the Costs and Usage APIs"},
		pollTimeout: envconfig.Var[time.Duration]{Env: EnvPollTimeout, Default: DefaultPollTimeout,
			Parser: envconfig.Duration(minimumPollTimeout), Doc: "bound of one poll, its pages and retries included"},
		settle: envconfig.Var[time.Duration]{Env: EnvSettleDelay, Default: DefaultSettleDelay,
			Parser: envconfig.Duration(0), Doc: "how long after its end a day is taken as final"},
		lookbackDays: envconfig.Var[int]{Env: EnvLookbackDays, Default: DefaultLookbackDays,
			Parser: envconfig.Int(1, maximumLookbackDays, "a number of days"),
			Doc:    "days polled, ending at 00:00 UTC today; they must hold a settled day"},
		maxModels: envconfig.Var[int]{Env: EnvMaxModels, Default: DefaultMaxModels,
			Parser: envconfig.Int(1, maximumMaxModels, "a number of models"),
			Doc:    "most models one day may have; a day with more fails the poll"},
		healthAddr: envconfig.Var[string]{Env: EnvHealthAddr, DefaultDoc: "-",
			Parser: envconfig.Parser[string]{Parse: func(raw, _ string) (string, error) {
				if _, port, err := net.SplitHostPort(raw); err != nil || port == "" {
					return "", fmt.Errorf("%q is not host:port: give e.g. :8098, or leave it empty for no health endpoint", envconfig.Truncate(raw))
				}
				return raw, nil
			}},
			Doc: "host:port of GET /healthz, e.g. :8098; unset serves none"},
	}
}

// Settings lists every setting Load reads, for the help: the exporter's
// own, then the backend's telemetry, environment and log level settings
// that it reads as the backend does.
func Settings() []envconfig.Setting {
	d := declare()
	out := []envconfig.Setting{
		d.adminKey.Setting(), d.baseURL.Setting(), d.pollInterval.Setting(), d.pollTimeout.Setting(),
		d.settle.Setting(), d.lookbackDays.Setting(), d.maxModels.Setting(), d.healthAddr.Setting(),
	}
	for _, s := range config.Settings() {
		if !readFromBackend(s.Env) {
			continue
		}
		// Said of the exporter, which exports metrics only.
		switch s.Env {
		case config.EnvOTelServiceName:
			s.Default = DefaultServiceName
		case config.EnvOTelEnabled:
			s.Doc = "export the billed metrics over OTLP/HTTP"
		case config.EnvOTLPEndpoint:
			s.Doc = "OTLP/HTTP base endpoint; /v1/metrics is appended"
		}
		out = append(out, s)
	}
	return out
}

// Load reads the configuration from lookup and validates it; every problem
// is reported, each naming its variable. hostName is the default
// service.instance.id.
func Load(lookup config.LookupFunc, hostName string) (Config, error) {
	r := envconfig.NewReader(lookup, nil)
	d := declare()
	c := Config{
		AdminKey:     envconfig.Get(r, d.adminKey),
		BaseURL:      envconfig.Get(r, d.baseURL),
		PollInterval: envconfig.Get(r, d.pollInterval),
		PollTimeout:  envconfig.Get(r, d.pollTimeout),
		SettleDelay:  envconfig.Get(r, d.settle),
		LookbackDays: envconfig.Get(r, d.lookbackDays),
		MaxModels:    envconfig.Get(r, d.maxModels),
		HealthAddr:   envconfig.Get(r, d.healthAddr),
	}
	if span := time.Duration(c.LookbackDays-1) * day; c.SettleDelay > span {
		r.Fail(d.settle.Setting(), "%s is longer than the %d days of %s less one: no polled day would ever settle; shorten it or raise %s",
			c.SettleDelay, c.LookbackDays, EnvLookbackDays, EnvLookbackDays)
	}

	backend, err := config.Load(telemetryLookup(lookup), hostName)
	if err != nil {
		r.Add("", errors.New(strings.TrimPrefix(err.Error(), "invalid configuration:\n  ")))
	}
	c.Telemetry, c.Environment, c.LogLevel = backend.Telemetry, backend.Environment, backend.LogLevel
	if err := r.Err(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// readFromBackend tells the backend's variables the exporter reads as the
// backend does.
func readFromBackend(key string) bool {
	switch key {
	case config.EnvAppEnv, config.EnvLogLevel, config.EnvOTelEnabled, config.EnvOTelSDKDisabled, config.EnvOTelServiceName,
		config.EnvOTLPEndpoint, config.EnvOTLPMetricsEndpoint, config.EnvMetricExportInterval,
		config.EnvOTLPTimeout, config.EnvOTLPMetricsTimeout:
		return true
	}
	return false
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
		}
		if readFromBackend(key) {
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
		return fmt.Errorf("%q is not an http(s) URL", envconfig.Truncate(raw))
	case u.Host == "":
		return fmt.Errorf("%q has no host", envconfig.Truncate(raw))
	}
	return nil
}
