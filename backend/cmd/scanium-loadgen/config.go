package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Environment variables, each the default of the flag of the same meaning.
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

// secret is a value that never prints.
type secret string

func (secret) String() string       { return "<secret>" }
func (secret) LogValue() slog.Value { return slog.StringValue("<secret>") }
func (s secret) GoString() string   { return s.String() }
func (s secret) reveal() string     { return string(s) }

// Config is what the load generator does.
type Config struct {
	// TargetURL is the backend's base URL; requests go to
	// TargetURL + /api/assistant/chat.
	TargetURL string
	// APIKey is sent as `Authorization: Bearer <key>`.
	APIKey secret
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

// loadConfig reads flags, whose defaults come from the environment, then the
// built-in defaults. Every problem is reported, each naming what to set.
func loadConfig(args []string, lookup func(string) (string, bool), output io.Writer) (Config, error) {
	env := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	flags := flag.NewFlagSet("scanium-loadgen", flag.ContinueOnError)
	flags.SetOutput(output)
	target := flags.String("target", orDefault(env(envTarget), defaultTarget), "backend base URL ($"+envTarget+")")
	apiKey := flags.String("api-key", "", "key sent as a Bearer token ($"+envAPIKey+", else the first of $"+envBackendKeys+"); prefer the variable: flags show in ps")
	rate := flags.String("rate", orDefault(env(envRate), strconv.FormatFloat(defaultRate, 'f', -1, 64)), "requests started per second ($"+envRate+")")
	concurrency := flags.String("concurrency", orDefault(env(envConcurrency), strconv.Itoa(defaultConcurrency)), "maximum requests in flight ($"+envConcurrency+")")
	duration := flags.String("duration", orDefault(env(envDuration), "0s"), "stop after this long, 0 for never ($"+envDuration+")")
	timeout := flags.String("timeout", orDefault(env(envTimeout), defaultTimeout.String()), "timeout of one request ($"+envTimeout+")")
	healthDefault := defaultHealthAddr
	if v, ok := lookup(envHealthAddr); ok {
		healthDefault = strings.TrimSpace(v)
	}
	healthAddr := flags.String("health-addr", healthDefault, "address of GET /healthz, empty for none ($"+envHealthAddr+")")
	seed := flags.String("seed", orDefault(env(envSeed), "1"), "seed of the message mix ($"+envSeed+")")
	streamPercent := flags.String("stream-percent", orDefault(env(envStream), strconv.Itoa(defaultStreamPercent)), "percentage of requests streamed, 0 to 100 ($"+envStream+")")
	logLevel := flags.String("log-level", orDefault(env(envLogLevel), "info"), "debug, info, warn or error ($"+envLogLevel+")")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Config{}, errHelp
		}
		return Config{}, err
	}
	if flags.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected arguments %q: every setting is a flag", flags.Args())
	}
	var errs []error
	cfg := Config{TargetURL: strings.TrimRight(*target, "/"), HealthAddr: *healthAddr}
	if u, err := url.Parse(cfg.TargetURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("-target %q: want the backend's base URL, e.g. %s", *target, defaultTarget))
	}

	key := strings.TrimSpace(*apiKey)
	if key == "" {
		key = env(envAPIKey)
	}
	if key == "" {
		first, _, _ := strings.Cut(env(envBackendKeys), ",")
		key = strings.TrimSpace(first)
	}
	if key == "" {
		errs = append(errs, fmt.Errorf("no API key: set %s to one of the backend's %s", envAPIKey, envBackendKeys))
	}
	cfg.APIKey = secret(key)

	if r, err := strconv.ParseFloat(*rate, 64); err != nil || r <= 0 || r > maxRate {
		errs = append(errs, fmt.Errorf("-rate %q: want requests per second above 0 and at most %d", *rate, maxRate))
	} else {
		cfg.Rate = r
	}
	if c, err := strconv.Atoi(*concurrency); err != nil || c < 1 || c > maxConcurrency {
		errs = append(errs, fmt.Errorf("-concurrency %q: want a whole number from 1 to %d", *concurrency, maxConcurrency))
	} else {
		cfg.Concurrency = c
	}
	if d, err := time.ParseDuration(*duration); err != nil || d < 0 {
		errs = append(errs, fmt.Errorf("-duration %q: want a duration such as 10m, or 0 to run until stopped", *duration))
	} else {
		cfg.Duration = d
	}
	if d, err := time.ParseDuration(*timeout); err != nil || d <= 0 {
		errs = append(errs, fmt.Errorf("-timeout %q: want a positive duration such as 90s", *timeout))
	} else {
		cfg.Timeout = d
	}
	if s, err := strconv.ParseUint(*seed, 10, 64); err != nil {
		errs = append(errs, fmt.Errorf("-seed %q: want a non-negative whole number", *seed))
	} else {
		cfg.Seed = s
	}
	if p, err := strconv.Atoi(*streamPercent); err != nil || p < 0 || p > 100 {
		errs = append(errs, fmt.Errorf("-stream-percent %q: want a whole number from 0 to 100", *streamPercent))
	} else {
		cfg.StreamPercent = p
	}
	if err := cfg.LogLevel.UnmarshalText([]byte(*logLevel)); err != nil {
		errs = append(errs, fmt.Errorf("-log-level %q: want debug, info, warn or error", *logLevel))
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

func orDefault(v, fallback string) string {
	if v == "" {
		return fallback
	}
	return v
}
