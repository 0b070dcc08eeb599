package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/scanium/openai-monitoring/internal/envconfig"
	"github.com/scanium/openai-monitoring/internal/secret"
)

// Environment variables, each but SCANIUM_API_KEYS the default of the flag
// of the same meaning.
const (
	envTarget      = "LOADGEN_TARGET_URL"
	envAPIKey      = "LOADGEN_API_KEY"
	envBackendKeys = "SCANIUM_API_KEYS"
	envRate        = "LOADGEN_RATE"
	envConcurrency = "LOADGEN_CONCURRENCY"
	envDuration    = "LOADGEN_DURATION"
	envTimeout     = "LOADGEN_TIMEOUT"
	envHealthAddr  = "LOADGEN_HEALTH_ADDR"
	envSeed        = "LOADGEN_SEED"
	envStream      = "LOADGEN_STREAM_PERCENT"
	envLogLevel    = "LOG_LEVEL"
)

// Defaults.
const (
	defaultTarget      = "http://127.0.0.1:8080"
	defaultRate        = 2.0
	defaultConcurrency = 4
	defaultTimeout     = 90 * time.Second
	defaultHealthAddr  = ":8099"
	// defaultStreamPercent streams half the requests, so the demo shows
	// both kinds.
	defaultStreamPercent = 50
	maxRate              = 1000
	maxConcurrency       = 256
)

// errHelp is returned when -help was asked for; usage is already printed.
var errHelp = errors.New("help requested")

// Config is what the load generator does.
type Config struct {
	// TargetURL is the backend's base URL; requests go to
	// TargetURL + /api/assistant/chat.
	TargetURL string
	// APIKey is sent as `Authorization: Bearer <key>`.
	APIKey secret.Secret
	// Rate is the requests started per second.
	Rate float64
	// Concurrency bounds the requests in flight; a tick that finds them all
	// busy is skipped and counted, so a slow backend is not buried.
	Concurrency int
	// Duration stops the run after this long; zero runs until a signal.
	Duration time.Duration
	// Timeout bounds one request, the backend's OpenAI retries included.
	Timeout time.Duration
	// HealthAddr is where GET /healthz is served; empty serves nothing.
	HealthAddr string
	// Seed makes the mix of messages reproducible.
	Seed uint64
	// StreamPercent is the share of requests, 0 to 100, that ask for a
	// streamed answer ("stream": true) and read its events to the end.
	StreamPercent int
	// LogLevel is debug, info, warn or error.
	LogLevel slog.Level
}

// LogValue prints the configuration without its secret.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("target", c.TargetURL),
		slog.Any("api_key", c.APIKey),
		slog.Float64("rate", c.Rate),
		slog.Int("concurrency", c.Concurrency),
		slog.Duration("duration", c.Duration),
		slog.Duration("timeout", c.Timeout),
		slog.String("health_addr", c.HealthAddr),
		slog.Uint64("seed", c.Seed),
		slog.Int("stream_percent", c.StreamPercent),
	)
}

// declarations are the load generator's settings, each a flag and a
// variable.
type declarations struct {
	target, healthAddr         envconfig.Var[string]
	apiKey                     envconfig.Var[secret.Secret]
	backendKeys                envconfig.Var[[]secret.Secret]
	rate                       envconfig.Var[float64]
	concurrency, streamPercent envconfig.Var[int]
	duration, timeout          envconfig.Var[time.Duration]
	seed                       envconfig.Var[uint64]
	logLevel                   envconfig.Var[slog.Level]
}

// invalid is a flag's problem, named by the flag whichever way it was set:
// -name "value": want ....
func invalid(flagName, raw, want string) error {
	return envconfig.Verbatim(fmt.Errorf("-%s %q: %s", flagName, envconfig.Truncate(raw), want))
}

// parser reads a flag's value with parse, or fails with want.
func parser[T any](flagName, want string, parse func(string) (T, bool)) envconfig.Parser[T] {
	return envconfig.Parser[T]{Parse: func(raw string, _ T) (T, error) {
		v, ok := parse(raw)
		if !ok {
			var zero T
			return zero, invalid(flagName, raw, want)
		}
		return v, nil
	}}
}

func declare() declarations {
	return declarations{
		target: envconfig.Var[string]{Env: envTarget, Flag: "target", Default: defaultTarget, Doc: "backend base URL",
			Parser: parser("target", "want the backend's base URL, e.g. "+defaultTarget, func(raw string) (string, bool) {
				raw = strings.TrimRight(raw, "/")
				u, err := url.Parse(raw)
				return raw, err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
			})},
		apiKey: envconfig.Var[secret.Secret]{Env: envAPIKey, Flag: "api-key", DefaultDoc: "the first of $" + envBackendKeys,
			Parser: envconfig.Secret(), Doc: "key sent as a Bearer token; prefer the variable: flags show in ps"},
		// The backend's own variable, so that a loader beside the backend
		// needs no key of its own; no flag.
		backendKeys: envconfig.Var[[]secret.Secret]{Env: envBackendKeys, Parser: envconfig.List(envconfig.Secret()),
			Doc: "the backend's comma-separated keys: the first is sent when " + envAPIKey + " is unset"},
		rate: envconfig.Var[float64]{Env: envRate, Flag: "rate", Default: defaultRate, Doc: "requests started per second",
			Parser: parser("rate", fmt.Sprintf("want requests per second above 0 and at most %d", maxRate), func(raw string) (float64, bool) {
				r, err := strconv.ParseFloat(raw, 64)
				return r, err == nil && r > 0 && r <= maxRate
			})},
		concurrency: envconfig.Var[int]{Env: envConcurrency, Flag: "concurrency", Default: defaultConcurrency, Doc: "maximum requests in flight",
			Parser: parser("concurrency", fmt.Sprintf("want a whole number from 1 to %d", maxConcurrency), func(raw string) (int, bool) {
				c, err := strconv.Atoi(raw)
				return c, err == nil && c >= 1 && c <= maxConcurrency
			})},
		duration: envconfig.Var[time.Duration]{Env: envDuration, Flag: "duration", Doc: "stop after this long, 0 for never",
			Parser: parser("duration", "want a duration such as 10m, or 0 to run until stopped", func(raw string) (time.Duration, bool) {
				d, err := time.ParseDuration(raw)
				return d, err == nil && d >= 0
			})},
		timeout: envconfig.Var[time.Duration]{Env: envTimeout, Flag: "timeout", Default: defaultTimeout, Doc: "timeout of one request",
			Parser: parser("timeout", "want a positive duration such as 90s", func(raw string) (time.Duration, bool) {
				d, err := time.ParseDuration(raw)
				return d, err == nil && d > 0
			})},
		healthAddr: envconfig.Var[string]{Env: envHealthAddr, Flag: "health-addr", Default: defaultHealthAddr, EmptyIsSet: true,
			Parser: envconfig.String(), Doc: "address of GET /healthz, empty for none"},
		seed: envconfig.Var[uint64]{Env: envSeed, Flag: "seed", Default: 1, Doc: "seed of the message mix",
			Parser: parser("seed", "want a non-negative whole number", func(raw string) (uint64, bool) {
				s, err := strconv.ParseUint(raw, 10, 64)
				return s, err == nil
			})},
		streamPercent: envconfig.Var[int]{Env: envStream, Flag: "stream-percent", Default: defaultStreamPercent, Doc: "percentage of requests streamed, 0 to 100",
			Parser: parser("stream-percent", "want a whole number from 0 to 100", func(raw string) (int, bool) {
				p, err := strconv.Atoi(raw)
				return p, err == nil && p >= 0 && p <= 100
			})},
		logLevel: envconfig.Var[slog.Level]{Env: envLogLevel, Flag: "log-level", Default: slog.LevelInfo, Doc: "debug, info, warn or error",
			Parser: envconfig.Parser[slog.Level]{
				Parse: func(raw string, _ slog.Level) (slog.Level, error) {
					var level slog.Level
					if err := level.UnmarshalText([]byte(raw)); err != nil {
						return 0, invalid("log-level", raw, "want debug, info, warn or error")
					}
					return level, nil
				},
				Format: envconfig.LogLevel().Format,
			}},
	}
}

// settings lists the declarations, in the order of the help.
func (d declarations) settings() []envconfig.Setting {
	return []envconfig.Setting{
		d.target.Setting(), d.apiKey.Setting(), d.backendKeys.Setting(), d.rate.Setting(), d.concurrency.Setting(), d.duration.Setting(),
		d.timeout.Setting(), d.healthAddr.Setting(), d.seed.Setting(), d.streamPercent.Setting(), d.logLevel.Setting(),
	}
}

// usage is the load generator's help.
func usage(w io.Writer, d declarations) {
	fmt.Fprint(w, `Usage: scanium-loadgen [flags]

Sends a steady mix of assistant requests to the Scanium backend. Each flag
has an environment variable; the flag wins over the variable, the
variable over the default.

Flags and variables:
`)
	_ = envconfig.Usage(w, d.settings())
}

// loadConfig reads the flags, then the environment, then the built-in
// defaults. -help prints the usage to output. Every problem is reported,
// each naming what to set.
func loadConfig(args []string, lookup func(string) (string, bool), output io.Writer) (Config, error) {
	d := declare()
	flags, err := envconfig.ParseFlags("scanium-loadgen", args, d.settings())
	if errors.Is(err, envconfig.ErrHelp) {
		usage(output, d)
		return Config{}, errHelp
	}
	if err != nil {
		return Config{}, err
	}
	r := envconfig.NewReader(lookup, flags)
	cfg := Config{
		TargetURL:     envconfig.Get(r, d.target),
		Rate:          envconfig.Get(r, d.rate),
		Concurrency:   envconfig.Get(r, d.concurrency),
		Duration:      envconfig.Get(r, d.duration),
		Timeout:       envconfig.Get(r, d.timeout),
		HealthAddr:    envconfig.Get(r, d.healthAddr),
		Seed:          envconfig.Get(r, d.seed),
		StreamPercent: envconfig.Get(r, d.streamPercent),
		LogLevel:      envconfig.Get(r, d.logLevel),
	}
	cfg.APIKey = envconfig.Get(r, d.apiKey)
	if keys := envconfig.Get(r, d.backendKeys); !cfg.APIKey.IsSet() && len(keys) > 0 {
		cfg.APIKey = keys[0]
	}
	if !cfg.APIKey.IsSet() {
		r.Add(envAPIKey, fmt.Errorf("no API key: set %s to one of the backend's %s", envAPIKey, envBackendKeys))
	}
	if errs := r.Errors(); len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	return cfg, nil
}
