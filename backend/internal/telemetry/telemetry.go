// Package telemetry sets up the backend's OpenTelemetry metrics pipeline: a
// MeterProvider with a periodic reader and the OTLP/HTTP exporter, and a
// resource that identifies this instance.
//
// Recording never waits on the exporter: the SDK aggregates in memory, bounded
// by its cardinality limit, and exports on its own goroutine. A down OTLP
// endpoint fails that export and the next cumulative export covers it.
//
// One export, retries included, lasts at most the configured export timeout,
// periodic or final: an endpoint that accepts connections and never answers
// holds neither the periodic exports nor the shutdown longer.
package telemetry

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"

	"github.com/scanium/openai-monitoring/backend/config"
)

// Telemetry is a running metrics pipeline, or a no-op one when disabled.
type Telemetry struct {
	// MeterProvider is what instruments are created from.
	MeterProvider metric.MeterProvider
	// Enabled tells whether metrics are exported.
	Enabled bool

	sdk *sdkmetric.MeterProvider
}

// Info identifies the running service in the resource.
type Info struct {
	Version string
}

// Setup builds the pipeline described by cfg. With telemetry disabled it
// returns a no-op MeterProvider and Shutdown does nothing.
func Setup(ctx context.Context, cfg config.Config, info Info) (*Telemetry, error) {
	if !cfg.Telemetry.Enabled {
		return &Telemetry{MeterProvider: noop.NewMeterProvider()}, nil
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
	return &Telemetry{MeterProvider: mp, Enabled: true, sdk: mp}, nil
}

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

// Shutdown exports what is recorded one last time and stops the exporter.
// It returns when that export is done or ctx ends; give ctx the final
// export's budget.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	if t == nil || t.sdk == nil {
		return nil
	}
	if err := t.sdk.Shutdown(ctx); err != nil {
		return fmt.Errorf("final metric export: %w", err)
	}
	return nil
}

// Banner is what the backend prints at startup about telemetry: the lines of
// the original design note, so that `docker logs scanium-backend | grep 📊`
// finds them.
func Banner(cfg config.Config) []string {
	if !cfg.Telemetry.Enabled {
		return []string{"📊 OpenTelemetry disabled (OTEL_ENABLED=false or OTEL_SDK_DISABLED=true): no metrics are exported"}
	}
	return []string{
		fmt.Sprintf("📊 OpenTelemetry initialized: %s (%s)", cfg.Telemetry.ServiceName, cfg.Environment),
		fmt.Sprintf("   Exporting to: %s", cfg.Telemetry.Endpoint),
		fmt.Sprintf("   Export interval: %s", cfg.Telemetry.ExportInterval.Round(time.Millisecond)),
		fmt.Sprintf("   Export timeout: %s", cfg.Telemetry.ExportTimeout.Round(time.Millisecond)),
	}
}
