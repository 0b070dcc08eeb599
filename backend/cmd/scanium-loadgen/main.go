// Command scanium-loadgen sends a steady mix of assistant requests to the
// Scanium backend, so that the monitoring bundle's dashboards fill without
// real users: `make demo` runs it next to the backend.
//
//	scanium-loadgen -target http://127.0.0.1:8080 -rate 2 -concurrency 4
//
// A share of the requests (LOADGEN_STREAM_PERCENT, 50 by default) asks for a
// streamed answer and reads its server-sent events to the done or error
// event, timing the first delta; the others wait for the JSON answer.
//
// Every flag has an environment variable (LOADGEN_TARGET_URL, LOADGEN_API_KEY,
// LOADGEN_RATE, LOADGEN_STREAM_PERCENT, ...; see -help). It logs JSON lines, reports its counts every
// 30 seconds, serves GET /healthz for its container healthcheck, and on
// SIGINT or SIGTERM stops sending, waits for the requests in flight and exits.
package main

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
	"syscall"
	"time"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// summaryInterval is how often the counts are logged while running.
const summaryInterval = 30 * time.Second

func main() {
	os.Exit(run(os.Args[1:], os.LookupEnv, os.Stderr))
}

func run(args []string, lookup func(string) (string, bool), stderr io.Writer) int {
	cfg, err := loadConfig(args, lookup, stderr)
	if errors.Is(err, errHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "scanium-loadgen:", err)
		return exitUsage
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	gen := newGenerator(cfg, &http.Client{Timeout: cfg.Timeout}, logger)

	var health *http.Server
	if cfg.HealthAddr != "" {
		listener, err := net.Listen("tcp", cfg.HealthAddr)
		if err != nil {
			logger.Error("health endpoint cannot listen", "addr", cfg.HealthAddr, "err", err)
			return exitFailure
		}
		health = &http.Server{Handler: healthHandler(), ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := health.Serve(listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
				logger.Error("health endpoint stopped", "err", err)
			}
		}()
	}

	logger.Info("sending load", "config", cfg)
	runCtx := ctx
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	go reportEvery(runCtx, summaryInterval, gen, logger)
	stats := gen.Run(runCtx, ticks(runCtx, cfg.Rate))
	logger.Info("stopped", "stats", stats)

	if health != nil {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := health.Shutdown(shutdownCtx); err != nil {
			logger.Warn("health endpoint did not shut down cleanly", "err", err)
		}
	}
	return exitOK
}

// reportEvery logs the generator's counts every interval until ctx ends.
func reportEvery(ctx context.Context, interval time.Duration, gen *generator, logger *slog.Logger) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			logger.Info("progress", "stats", gen.Stats())
		}
	}
}

// ticks delivers rate ticks per second until ctx ends, then closes the
// channel. A tick that finds the generator busy is not queued.
func ticks(ctx context.Context, rate float64) <-chan struct{} {
	out := make(chan struct{})
	go func() {
		defer close(out)
		ticker := time.NewTicker(time.Duration(float64(time.Second) / rate))
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
				select {
				case out <- struct{}{}:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}

// healthHandler answers the container healthcheck: the process is up and its
// loop is running.
func healthHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	return mux
}
