package billing

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.opentelemetry.io/otel"

	"github.com/scanium/openai-monitoring/backend/config"
	"github.com/scanium/openai-monitoring/backend/internal/redact"
	"github.com/scanium/openai-monitoring/backend/internal/telemetry"
)

// Env is the process's surroundings, passed in so that tests run the whole
// exporter in-process.
type Env struct {
	Args     []string
	Lookup   config.LookupFunc
	Stdout   io.Writer
	Stderr   io.Writer
	HostName func() (string, error)
	// Signals delivers the shutdown signal; nil listens for SIGINT and SIGTERM.
	Signals <-chan os.Signal
	Version string
	// Poller replaces parts of the poller (tests).
	Poller PollerOptions
	// Polled, when set, is called after each poll with its outcome.
	Polled func(Day, error)
}

// Run runs the exporter until a shutdown signal and returns the exit code:
// 0 after a shutdown, 1 for an invalid configuration or a failed start, 2
// for an argument.
func Run(env Env) int {
	if len(env.Args) > 1 {
		fmt.Fprintf(env.Stderr, "unknown argument %q: openai-billing takes no arguments; it is configured from the environment\n", env.Args[1])
		return 2
	}
	host, err := env.HostName()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	cfg, err := Load(env.Lookup, host)
	if err != nil {
		fmt.Fprintf(env.Stderr, "openai-billing: %v\n", err)
		return 1
	}
	logger := slog.New(redact.Handler(
		slog.NewJSONHandler(env.Stdout, &slog.HandlerOptions{Level: cfg.LogLevel}),
		redact.New(secrets(cfg, env.Lookup)...)))
	signals := env.Signals
	if signals == nil {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
		defer signal.Stop(ch)
		signals = ch
	}

	health, err := serveHealth(cfg.HealthAddr, logger)
	if err != nil {
		logger.Error("cannot serve the health endpoint", "error", err, "addr", cfg.HealthAddr)
		return 1
	}
	defer health.Close()

	if !cfg.Enabled() {
		fmt.Fprintf(env.Stdout, "💰 OpenAI bill reconciliation off: set %s to an admin key of the OpenAI organization to export what OpenAI billed each day; idle until stopped\n", EnvAdminKey)
		sig := <-signals
		logger.Info("stopped", "signal", sig.String())
		return 0
	}

	ctx := context.Background()
	tel, err := telemetry.Setup(ctx, config.Config{Environment: cfg.Environment, Telemetry: cfg.Telemetry}, telemetry.Info{Version: env.Version})
	if err != nil {
		logger.Error("cannot set up telemetry", "error", err)
		return 1
	}
	gauges, err := NewGauges(tel.MeterProvider)
	if err != nil {
		logger.Error("cannot create the billed metrics", "error", err)
		return 1
	}
	if tel.Enabled {
		otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
			logger.Warn("telemetry export failed", "error", err, "endpoint", cfg.Telemetry.Endpoint)
		}))
	}
	for _, line := range banner(cfg) {
		fmt.Fprintln(env.Stdout, line)
	}
	if cfg.SettleDelay >= day {
		logger.Warn("the settle delay is a day or more: yesterday is never exported, only an older day, and the dashboards compare yesterday",
			"settle_delay", cfg.SettleDelay.String(), "variable", EnvSettleDelay)
	}

	poller := NewPoller(cfg, env.Poller)
	pollCtx, stopPolling := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		pollLoop(pollCtx, cfg, poller, gauges, logger, env.Polled)
	}()

	sig := <-signals
	logger.Info("shutting down: polling stops, then the final export", "signal", sig.String(),
		"final_export_budget", cfg.Telemetry.ExportTimeout.String())
	stopPolling()
	<-stopped
	exportCtx, cancel := context.WithTimeout(ctx, cfg.Telemetry.ExportTimeout)
	defer cancel()
	if err := tel.Shutdown(exportCtx); err != nil {
		logger.Warn("final export failed: the billed metrics since the last export are lost", "error", err, "endpoint", cfg.Telemetry.Endpoint)
	}
	logger.Info("stopped")
	return 0
}

// pollLoop polls at once, then every poll interval, until ctx ends. A
// successful poll replaces the day the gauges report; a failed one leaves it.
func pollLoop(ctx context.Context, cfg Config, poller *Poller, gauges *Gauges, logger *slog.Logger, polled func(Day, error)) {
	ticker := time.NewTicker(cfg.PollInterval)
	defer ticker.Stop()
	for {
		pollOnce(ctx, cfg, poller, gauges, logger, polled)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

func pollOnce(ctx context.Context, cfg Config, poller *Poller, gauges *Gauges, logger *slog.Logger, polled func(Day, error)) {
	pollCtx, cancel := context.WithTimeout(ctx, cfg.PollTimeout)
	defer cancel()
	d, err := poller.Poll(pollCtx)
	if ctx.Err() != nil {
		return // stopping: the outcome of a cut poll is no news
	}
	if polled != nil {
		defer polled(d, err)
	}
	if err != nil {
		kept := "none yet"
		if prev, ok := gauges.Day(); ok {
			kept = prev.Start.Format(time.DateOnly)
		}
		logger.Warn("OpenAI billing poll failed: the exported day is unchanged", "error", err, "exported_day", kept)
		return
	}
	gauges.Set(d)
	var requests int64
	for _, u := range d.Models {
		requests += u.Requests
	}
	logger.Info("OpenAI billing polled", "day", d.Start.Format(time.DateOnly), "cost_usd", d.CostUSD,
		"models", len(d.Models), "requests", requests)
}

// banner is what the exporter prints at startup: what it polls, how often,
// and where it exports.
func banner(cfg Config) []string {
	lines := []string{
		fmt.Sprintf("💰 OpenAI bill reconciliation: polling %s%s and %s%s every %s",
			cfg.BaseURL, EndpointCosts, cfg.BaseURL, EndpointUsageCompletions, cfg.PollInterval),
		fmt.Sprintf("   Exported day: the latest UTC day ended at least %s ago (%s), of the last %d (%s); poll timeout %s",
			cfg.SettleDelay, EnvSettleDelay, cfg.LookbackDays, EnvLookbackDays, cfg.PollTimeout),
	}
	t := cfg.Telemetry
	if !t.Enabled {
		return append(lines, "📊 OpenTelemetry disabled (OTEL_ENABLED=false or OTEL_SDK_DISABLED=true): the billed metrics are not exported")
	}
	return append(lines,
		fmt.Sprintf("📊 Exporting metrics as %s (%s) to %s every %s (timeout %s)",
			t.ServiceName, cfg.Environment, t.MetricsURL, t.ExportInterval.Round(time.Millisecond), t.ExportTimeout.Round(time.Millisecond)))
}

// secrets lists what the exporter's log must never show: the admin key and
// the credentials in the OTLP exporter's headers.
func secrets(cfg Config, lookup config.LookupFunc) []string {
	out := []string{cfg.AdminKey.Reveal()}
	for _, name := range []string{otlpHeadersEnv, otlpMetricHeader} {
		if v, ok := lookup(name); ok {
			out = append(out, redact.HeaderSecrets(v)...)
		}
	}
	return out
}

// healthServer answers GET /healthz with 200 while the exporter runs, polls
// failing or not: a failed poll is logged and retried, not a reason for a
// restart.
type healthServer struct{ srv *http.Server }

func serveHealth(addr string, logger *slog.Logger) (*healthServer, error) {
	if addr == "" {
		return &healthServer{}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (%s): %w", addr, EnvHealthAddr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	go func() { _ = srv.Serve(ln) }()
	return &healthServer{srv: srv}, nil
}

func (h *healthServer) Close() {
	if h.srv != nil {
		_ = h.srv.Close()
	}
}
