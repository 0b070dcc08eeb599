// Package telemetry sets up the backend's OpenTelemetry pipelines, each with
// its OTLP/HTTP exporter and one resource that identifies this instance:
// metrics (a MeterProvider with a periodic reader), traces (a TracerProvider
// with a batch span processor, W3C tracecontext and baggage propagation) and
// logs (a batch processor fed by the slog bridge, through a LoggerProvider
// that deduplicates a record's keys, or, for records checked to repeat none,
// one that skips that work).
//
// Recording never waits on an exporter. The metric SDK aggregates in memory,
// bounded by its cardinality limit; a down OTLP endpoint fails that export and
// the next cumulative export covers it. Spans and log records wait in bounded
// queues (SpanQueueSize, LogQueueSize); beyond them they are dropped.
//
// One export of any signal, retries included, lasts at most the configured
// export timeout, periodic or final: an endpoint that accepts connections and
// never answers holds neither the exports nor the shutdown longer. At
// shutdown the three final exports run at once, within that one budget.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/log"
	lognoop "go.opentelemetry.io/otel/log/noop"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/scanium/openai-monitoring/backend/config"
	"github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// Telemetry is the running pipelines, or no-op ones when disabled.
type Telemetry struct {
	// MeterProvider is what instruments are created from.
	MeterProvider metric.MeterProvider
	// TracerProvider is what spans are started from; a no-op one when
	// traces are not exported.
	TracerProvider trace.TracerProvider
	// LoggerProvider receives the OTLP log records; a no-op one when logs
	// are not exported. LogHandler bridges slog to it.
	LoggerProvider log.LoggerProvider
	// Propagator reads and writes trace context in HTTP headers.
	Propagator propagation.TextMapPropagator
	// Enabled tells whether metrics are exported (and telemetry is on).
	Enabled bool
	// Traced tells whether spans are exported; without it, nothing need
	// start spans.
	Traced bool

	sdk    *sdkmetric.MeterProvider
	traces *sdktrace.TracerProvider
	logs   *logProviders
}

// Info identifies the running service in the resource.
type Info struct {
	Version string
}

// Setup builds the pipeline described by cfg. With telemetry disabled it
// returns a no-op MeterProvider and Shutdown does nothing.
func Setup(ctx context.Context, cfg config.Config, info Info) (*Telemetry, error) {
	tel := &Telemetry{
		MeterProvider:  noop.NewMeterProvider(),
		TracerProvider: tracenoop.NewTracerProvider(),
		LoggerProvider: lognoop.NewLoggerProvider(),
		Propagator:     Propagator(),
	}
	if !cfg.Telemetry.Enabled {
		return tel, nil
	}
	res, err := Resource(ctx, cfg, info)
	if err != nil {
		return nil, err
	}
	timeout := cfg.Telemetry.ExportTimeout
	exporter, err := otlpmetrichttp.New(ctx,
		otlpmetrichttp.WithEndpointURL(cfg.Telemetry.MetricsURL),
		otlpmetrichttp.WithTimeout(timeout),
		otlpmetrichttp.WithRetry(exportRetry(timeout)),
	)
	if err != nil {
		return nil, fmt.Errorf("create the OTLP metric exporter for %s: %w", cfg.Telemetry.Endpoint, err)
	}
	reader := sdkmetric.NewPeriodicReader(exporter,
		sdkmetric.WithInterval(cfg.Telemetry.ExportInterval),
		sdkmetric.WithTimeout(timeout), // a whole periodic export, retries included
	)
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithResource(res), sdkmetric.WithReader(reader))
	tel.MeterProvider, tel.Enabled, tel.sdk = mp, true, mp
	if cfg.Telemetry.Traces.Enabled {
		if tel.traces, err = newTracerProvider(ctx, cfg, res); err != nil {
			return nil, errors.Join(err, tel.Shutdown(ctx))
		}
		tel.TracerProvider, tel.Traced = tel.traces, true
	}
	if cfg.Telemetry.Logs.Enabled {
		if tel.logs, err = newLoggerProviders(ctx, cfg, res); err != nil {
			return nil, errors.Join(err, tel.Shutdown(ctx))
		}
		tel.LoggerProvider = tel.logs.deduped
	}
	return tel, nil
}

// LogsExported tells whether log records are exported over OTLP (else
// LogHandler logs to stdout only).
func (t *Telemetry) LogsExported() bool { return t != nil && t.logs != nil }

// exportRetry is how an export that met a retryable answer (429, 502, 503,
// 504, a timeout) is tried again: soon, and never past the export's timeout.
// The exporter's default would keep trying for a minute; the next periodic
// export carries the same cumulative values anyway.
func exportRetry(timeout time.Duration) otlpmetrichttp.RetryConfig {
	return otlpmetrichttp.RetryConfig{
		Enabled:         true,
		InitialInterval: 250 * time.Millisecond,
		MaxInterval:     time.Second,
		MaxElapsedTime:  timeout,
	}
}

// Resource describes this instance: service.name, service.version,
// deployment.environment.name and a stable service.instance.id (the host
// name), then whatever OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME set,
// which take precedence.
func Resource(ctx context.Context, cfg config.Config, info Info) (*resource.Resource, error) {
	res, err := resource.New(ctx,
		resource.WithTelemetrySDK(),
		resource.WithAttributes(
			semconv.ServiceName(cfg.Telemetry.ServiceName),
			semconv.ServiceVersion(info.Version),
			semconv.DeploymentEnvironmentName(cfg.Environment),
			semconv.ServiceInstanceID(cfg.Telemetry.HostName),
		),
		resource.WithFromEnv(),
	)
	if err != nil {
		// A malformed OTEL_RESOURCE_ATTRIBUTES yields a partial resource and an
		// error; telemetry without those attributes is worse than a clear stop.
		return nil, fmt.Errorf("build the telemetry resource (check OTEL_RESOURCE_ATTRIBUTES, a comma-separated list of key=value): %w", err)
	}
	return res, nil
}

// Shutdown exports what is recorded one last time and stops the exporters:
// the metrics, the queued spans and the queued log records, all at once. It
// returns when those exports are done or ctx ends; give ctx the final
// export's budget.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	var wg sync.WaitGroup
	errs := make([]error, 3)
	shut := func(i int, what string, shutdown func(context.Context) error) {
		wg.Go(func() {
			if err := shutdown(ctx); err != nil {
				errs[i] = fmt.Errorf("final %s export: %w", what, err)
			}
		})
	}
	if t.sdk != nil {
		shut(0, "metric", t.sdk.Shutdown)
	}
	if t.traces != nil {
		shut(1, "span", t.traces.Shutdown)
	}
	if t.logs != nil {
		shut(2, "log", t.logs.Shutdown)
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Banner is what the backend prints at startup about telemetry: the lines of
// the original design note, so that `docker logs scanium-backend | grep 📊`
// finds them.
func Banner(cfg config.Config) []string {
	if !cfg.Telemetry.Enabled {
		return []string{"📊 OpenTelemetry disabled (OTEL_ENABLED=false or OTEL_SDK_DISABLED=true): no metrics, traces or logs are exported"}
	}
	t := cfg.Telemetry
	lines := []string{
		fmt.Sprintf("📊 OpenTelemetry initialized: %s (%s)", t.ServiceName, cfg.Environment),
		fmt.Sprintf("   Exporting to: %s", t.Endpoint),
		fmt.Sprintf("   Export interval: %s", t.ExportInterval.Round(time.Millisecond)),
		fmt.Sprintf("   Export timeout: %s", t.ExportTimeout.Round(time.Millisecond)),
		fmt.Sprintf("   Metrics: %s", t.MetricsURL),
	}
	if t.Traces.Enabled {
		lines = append(lines, fmt.Sprintf("   Traces: %s (sampler %s)", t.Traces.URL, samplerText(t.Sampler)))
	} else {
		lines = append(lines, "   Traces: not exported ("+config.EnvTracesExporter+"=none)")
	}
	if t.Logs.Enabled {
		lines = append(lines, fmt.Sprintf("   Logs: %s (and JSON on stdout)", t.Logs.URL))
	} else {
		lines = append(lines, "   Logs: JSON on stdout only ("+config.EnvLogsExporter+"=none)")
	}
	if t.Traces.Enabled && t.CaptureMessageContent {
		lines = append(lines, fmt.Sprintf("   GenAI message content: captured on the OpenAI spans, at most %d bytes a message (%s=true)",
			openaimetrics.MaxCapturedMessageBytes, config.EnvCaptureMessageContent))
	}
	return lines
}

// samplerText names the sampler, with its ratio when it has one.
func samplerText(s config.Sampler) string {
	if s.Name == config.SamplerTraceIDRatio || s.Name == config.SamplerParentBasedTraceIDRatio {
		return fmt.Sprintf("%s %g", s.Name, s.Ratio)
	}
	return s.Name
}
