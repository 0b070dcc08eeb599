// Package app wires the Scanium backend together and runs it: configuration,
// logging, telemetry, the OpenAI provider (or the built-in simulator), the
// HTTP API, and a graceful shutdown.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"

	"github.com/scanium/openai-monitoring/backend/config"
	"github.com/scanium/openai-monitoring/backend/internal/assistant"
	"github.com/scanium/openai-monitoring/backend/internal/httpapi"
	"github.com/scanium/openai-monitoring/backend/internal/openaiprovider"
	"github.com/scanium/openai-monitoring/backend/internal/redact"
	"github.com/scanium/openai-monitoring/backend/internal/telemetry"
	"github.com/scanium/openai-monitoring/backend/openaisim"
)

// Env is the process's surroundings, passed in so that tests run the whole
// backend in-process.
type Env struct {
	Args     []string
	Lookup   config.LookupFunc
	Stdout   io.Writer
	Stderr   io.Writer
	HostName func() (string, error)
	// Signals delivers the shutdown signal; nil listens for SIGINT and SIGTERM.
	Signals <-chan os.Signal
	// Listening, when set, receives the API's address once it listens.
	Listening func(addr string)
	Version   string
}

// simulatorKey is the key the backend presents to its built-in simulator.
const simulatorKey = "sk-scanium-built-in-simulator"

// Run runs the backend until a shutdown signal and returns the exit code.
func Run(env Env) int {
	if len(env.Args) > 1 && env.Args[1] == "healthcheck" {
		return healthcheck(env)
	}
	if len(env.Args) > 1 {
		fmt.Fprintf(env.Stderr, "unknown argument %q: run scanium-backend without arguments, or \"scanium-backend healthcheck [url]\"\n", env.Args[1])
		return 2
	}
	host, err := env.HostName()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	cfg, err := config.Load(env.Lookup, host)
	if err == nil {
		err = checkFileLimit(cfg)
	}
	var sim openaisim.Config
	if err == nil && cfg.OpenAI.UseSimulator() {
		sim, err = simulatorConfig(env.Lookup)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "scanium-backend: %v\n", err)
		return 1
	}
	// Every log line passes through one redaction of the secrets the backend
	// holds: a server's text (an OTLP collector's error body) may quote them.
	logs := logOutput{
		stdout:   slog.NewJSONHandler(env.Stdout, &slog.HandlerOptions{Level: cfg.LogLevel}),
		redactor: redact.New(secrets(cfg, env.Lookup)...),
		level:    cfg.LogLevel,
	}
	logger := logs.logger(nil)
	err = serve(cfg, sim, env, logs)
	switch {
	case errors.Is(err, errForcedExit):
		return 1 // already said
	case err != nil:
		logger.Error("backend stopped", "error", err)
		return 1
	}
	return 0
}

// logOutput is where the backend logs: JSON lines on stdout and, once
// telemetry is set up and logs are exported, OTLP log records too; both
// behind one redaction.
type logOutput struct {
	stdout   slog.Handler
	redactor *redact.Redactor
	level    slog.Level
}

// logger logs to stdout, and through tel's log bridge when it has one
// (tel may be nil).
func (o logOutput) logger(tel *telemetry.Telemetry) *slog.Logger {
	return slog.New(redact.Handler(tel.LogHandler(o.stdout, o.level), o.redactor))
}

// errForcedExit ends a shutdown cut short by a second signal.
var errForcedExit = errors.New("forced exit on a second signal")

// backend is the assembled service: its API and what stops with it.
type backend struct {
	handler  http.Handler
	logger   *slog.Logger
	tel      *telemetry.Telemetry
	draining *atomic.Bool
	// openAI is the effective OpenAI configuration (the simulator's when
	// no key is set).
	openAI config.OpenAI
	sim    *openaisim.Running
}

// assemble builds the backend from its configuration: telemetry, the
// logger (stdout, and OTLP when logs are exported), the OpenAI provider (or
// the built-in simulator, configured by sim) and the HTTP API, traced. It
// prints the startup banner to out.
func assemble(ctx context.Context, cfg config.Config, sim openaisim.Config, logs logOutput, version string, out io.Writer) (*backend, error) {
	tel, err := telemetry.Setup(ctx, cfg, telemetry.Info{Version: version})
	if err != nil {
		return nil, err
	}
	logger := logs.logger(tel)
	if tel.Enabled {
		// Export failures must not fail requests; they are logged.
		otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
			logger.Warn("telemetry export failed", "error", err, "endpoint", cfg.Telemetry.Endpoint)
		}))
	}
	for _, line := range telemetry.Banner(cfg) {
		fmt.Fprintln(out, line)
	}

	b := &backend{tel: tel, logger: logger, draining: new(atomic.Bool), openAI: cfg.OpenAI}
	if b.openAI.UseSimulator() {
		b.sim, err = startSimulator(sim)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("start the built-in OpenAI simulator: %w", err), tel.Shutdown(ctx))
		}
		b.openAI.APIKey, b.openAI.BaseURL = simulatorKey, b.sim.URL()
		fmt.Fprintf(out, "🤖 OPENAI_API_KEY is not set: answering with the built-in OpenAI simulator at %s (no real OpenAI calls, no cost); %s\n",
			b.sim.URL(), simulatedFaults(sim.FaultRates))
	} else {
		fmt.Fprintf(out, "🤖 OpenAI: model %s at %s\n", b.openAI.Model, b.openAI.BaseURL)
	}

	// Spans are started only when they are exported: with traces off, the
	// API and the provider run untraced.
	var tracerProvider trace.TracerProvider
	if tel.Traced {
		tracerProvider = tel.TracerProvider
	}
	recorder, err := openaiprovider.NewRecorder(tel.MeterProvider, b.openAI.Model)
	if err != nil {
		return nil, errors.Join(err, b.close(ctx))
	}
	provider := openaiprovider.New(openaiprovider.Config{
		APIKey: b.openAI.APIKey, BaseURL: b.openAI.BaseURL, Model: b.openAI.Model,
		Timeout: b.openAI.Timeout, MaxRetries: b.openAI.MaxRetries,
		MaxResponseBytes: b.openAI.MaxResponseBytes, Logger: logger,
		TracerProvider: tracerProvider, CaptureMessageContent: cfg.Telemetry.CaptureMessageContent,
	}, recorder)
	b.handler = httpapi.New(httpapi.Deps{
		Logger: logger, Assistant: assistant.New(provider),
		APIKeys: cfg.APIKeys, Limits: cfg.Limits, Draining: b.draining,
		MaxInFlight:    cfg.Server.MaxInFlightRequests,
		TracerProvider: tracerProvider, Propagator: tel.Propagator, MeterProvider: tel.MeterProvider,
	})
	return b, nil
}

// close exports the last metrics, spans and log records, and stops the
// built-in simulator.
func (b *backend) close(ctx context.Context) error {
	err := b.tel.Shutdown(ctx)
	if b.sim != nil {
		err = errors.Join(err, b.sim.Close())
	}
	return err
}

// The server's timeouts; the README's input limits state them.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	// writeSlack is what an answer that is not streamed may take beyond
	// OPENAI_TIMEOUT to be written.
	writeSlack  = 15 * time.Second
	idleTimeout = 2 * time.Minute
)

func serve(cfg config.Config, sim openaisim.Config, env Env, logs logOutput) error {
	ctx := context.Background()
	b, err := assemble(ctx, cfg, sim, logs, env.Version, env.Stdout)
	if err != nil {
		return err
	}
	logger := b.logger
	conns := httpapi.NewConnLimiter(cfg.Server.MaxConnections, logger)
	// WriteTimeout bounds an answer that is not streamed: its OpenAI call,
	// bounded by OPENAI_TIMEOUT, and its write. A streamed answer bounds
	// each of its events' writes instead (httpapi), and net/http clears the
	// read deadline once a body is read, so that neither cuts a stream
	// that outlasts them; OPENAI_TIMEOUT bounds it.
	srv := &http.Server{
		Handler:           b.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      b.openAI.Timeout + writeSlack,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    cfg.Server.MaxHeaderBytes,
		ConnState:         conns.ConnState,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", ":"+cfg.Port)
	if err != nil {
		return errors.Join(fmt.Errorf("listen on port %s (set PORT to a free port): %w", cfg.Port, err), b.close(ctx))
	}
	logger.Info("listening", "addr", ln.Addr().String(), "model", b.openAI.Model, "environment", cfg.Environment,
		"telemetry", b.tel.Enabled, "simulator", cfg.OpenAI.UseSimulator(), "version", env.Version,
		"max_connections", cfg.Server.MaxConnections, "max_in_flight_requests", cfg.Server.MaxInFlightRequests,
		"shutdown_timeout", cfg.ShutdownTimeout.String())
	if cfg.DrainBudget() < b.openAI.Timeout {
		logger.Warn("a chat call in flight at shutdown may be cut: the drain budget is shorter than OPENAI_TIMEOUT; raise SHUTDOWN_TIMEOUT",
			"drain_budget", cfg.DrainBudget().String(), "openai_timeout", b.openAI.Timeout.String())
	}
	if env.Listening != nil {
		env.Listening(ln.Addr().String())
	}

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(conns.Listener(ln)) }()

	signals := env.Signals
	if signals == nil {
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
		defer signal.Stop(ch)
		signals = ch
	}
	select {
	case err := <-serveErr:
		return errors.Join(fmt.Errorf("serve: %w", err), b.close(ctx))
	case sig := <-signals:
		logger.Info("shutting down: finishing in-flight requests, then the final export of metrics, spans and logs; a second signal exits at once",
			"signal", sig.String(), "drain_budget", cfg.DrainBudget().String(), "final_export_budget", cfg.FinalExportBudget().String())
	}
	stopped := make(chan error, 1)
	go func() { stopped <- b.shutdown(srv, cfg, logger) }()
	select {
	case err := <-stopped:
		return err
	case sig := <-signals:
		logger.Error("second signal: exiting at once; requests in flight are cut and telemetry since the last export is lost",
			"signal", sig.String())
		_ = srv.Close()
		return errForcedExit
	}
}

// shutdown stops the server in two steps, each with its budget, which
// together make SHUTDOWN_TIMEOUT: the drain, where in-flight requests finish
// (their connections are cut when the drain budget ends), then the final
// export of metrics, spans and log records, all at once within the one
// budget, which so carries every request that was answered.
func (b *backend) shutdown(srv *http.Server, cfg config.Config, logger *slog.Logger) error {
	b.draining.Store(true)
	drainCtx, cancelDrain := context.WithTimeout(context.Background(), cfg.DrainBudget())
	defer cancelDrain()
	drainErr := srv.Shutdown(drainCtx)
	if drainErr != nil {
		_ = srv.Close()
		logger.Warn("in-flight requests did not finish within the drain budget: their connections are cut",
			"drain_budget", cfg.DrainBudget().String())
	}

	exportCtx, cancelExport := context.WithTimeout(context.Background(), cfg.FinalExportBudget())
	defer cancelExport()
	// Telemetry not exported now is lost, but the service did its work: a
	// failed final export is a warning, not a failed shutdown. The warning
	// goes to stdout: the log pipeline is shut down by then.
	if err := b.close(exportCtx); err != nil {
		logger.Warn("final export failed: metrics, spans and log records recorded since the last export are lost",
			"error", err, "endpoint", cfg.Telemetry.Endpoint, "final_export_budget", cfg.FinalExportBudget().String())
	}
	if drainErr != nil {
		return fmt.Errorf("in-flight requests did not finish within the drain budget of %s (SHUTDOWN_TIMEOUT %s less the final export's %s): %w",
			cfg.DrainBudget(), cfg.ShutdownTimeout, cfg.FinalExportBudget(), drainErr)
	}
	logger.Info("stopped")
	return nil
}

// simulatorConfig is the built-in simulator's configuration:
// openaisim.DemoConfig (realistic latencies and paces, tier-1 rate limits,
// and the demo's faults, 2% 500 and 1% 429, as compose's simulator service
// has them), then the SIM_* variables the simulator reads that make sense
// in-process (openaisim.FromEnv): SIM_FAULTS, SIM_LATENCY_MEDIAN,
// SIM_LATENCY_P99, SIM_PACE, SIM_HANG_MAX, SIM_LIMIT_*, SIM_SEED. A backend
// without an OpenAI key, a bare go run included, is a demo, so its
// dashboards show errors; SIM_FAULTS=none, or set empty, turns the faults
// off.
func simulatorConfig(lookup config.LookupFunc) (openaisim.Config, error) {
	return openaisim.FromEnv(lookup, openaisim.DemoConfig())
}

// simulatedFaults tells the startup banner the faults the simulator
// injects.
func simulatedFaults(r openaisim.FaultRates) string {
	if len(r) == 0 {
		return "no faults (SIM_FAULTS=none)"
	}
	return "faults " + r.String() + " (SIM_FAULTS; none turns them off)"
}

// startSimulator runs the built-in OpenAI simulator on a loopback port.
func startSimulator(c openaisim.Config) (*openaisim.Running, error) {
	srv, err := openaisim.New(c)
	if err != nil {
		return nil, err
	}
	return srv.Start("127.0.0.1:0")
}

// secrets lists what the backend's log must never show: the OpenAI key, the
// client keys, and the credentials in the OTLP exporters' headers, which the
// exporters read from OTEL_EXPORTER_OTLP_HEADERS and the per-signal
// OTEL_EXPORTER_OTLP_{METRICS,TRACES,LOGS}_HEADERS themselves.
func secrets(cfg config.Config, lookup config.LookupFunc) []string {
	out := []string{cfg.OpenAI.APIKey.Reveal()}
	for _, k := range cfg.APIKeys {
		out = append(out, k.Reveal())
	}
	for _, name := range []string{"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
		"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_LOGS_HEADERS"} {
		if v, ok := lookup(name); ok {
			out = append(out, redact.HeaderSecrets(v)...)
		}
	}
	return out
}
