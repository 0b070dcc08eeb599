package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/scanium/openai-monitoring/backend/openaisim"
	"github.com/scanium/openai-monitoring/internal/envconfig"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, os.Args[1:], os.Getenv, os.Stderr)
}

// serve runs the simulator until ctx ends, then shuts it down gracefully,
// and returns the exit code.
func serve(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	opts, err := parseOptions(args, getenv, stderr)
	if errors.Is(err, envconfig.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "openai-sim: %v\n", err)
		return exitUsage
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: opts.logLevel}))
	cfg := opts.sim
	cfg.Logger = logger

	srv, err := openaisim.New(cfg)
	if err != nil {
		logger.Error("invalid configuration", "err", err)
		return exitUsage
	}
	running, err := srv.Start(opts.addr)
	if err != nil {
		logger.Error("cannot start", "err", err)
		return exitError
	}
	logger.Info("OpenAI simulator listening",
		"addr", running.Addr().String(),
		"base_url", running.URL(),
		"latency_median", cfg.Latency.Median.String(),
		"latency_p99", cfg.Latency.P99.String(),
		"pace", cfg.Latency.Pace.String(),
		"limit_requests", cfg.RateLimits.Requests,
		"limit_requests_window", cfg.RateLimits.RequestWindow.String(),
		"limit_tokens", cfg.RateLimits.Tokens,
		"limit_tokens_window", cfg.RateLimits.TokenWindow.String(),
		"faults", cfg.FaultRates.String(),
		"seed", cfg.Seed,
		"accepted_keys", len(cfg.APIKeys), // 0: any non-empty key
	)

	select {
	case <-ctx.Done():
		logger.Info("shutting down", "timeout", opts.shutdownTimeout.String())
	case <-running.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), opts.shutdownTimeout)
	defer cancel()
	if err := running.Shutdown(shutdownCtx); err != nil {
		logger.Error("shutdown", "err", err)
		return exitError
	}
	st := srv.Stats()
	logger.Info("stopped", "received", st.Received, "streamed", st.Streamed, "succeeded", st.Succeeded,
		"abandoned", st.Abandoned, "stream_cut", st.StreamCut, "stream_error", st.StreamError)
	return exitOK
}
