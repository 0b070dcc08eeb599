package telemetry

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/scanium/openai-monitoring/backend/config"
)

// Bounds of the span pipeline. Ending a span never waits on the exporter: it
// joins a queue of at most SpanQueueSize spans, which a goroutine exports in
// batches; when the queue is full (the endpoint is down or slow), new spans
// are dropped. A span of the backend is well under 2 KiB, so the queue holds
// at most a few MiB.
const (
	SpanQueueSize     = 2048
	SpanBatchSize     = 512
	SpanBatchInterval = 5 * time.Second
)

// Propagator reads and writes W3C tracecontext and baggage headers.
func Propagator() propagation.TextMapPropagator {
	return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
}

// newTracerProvider builds the span pipeline: the OTLP/HTTP exporter (the
// otlptracehttp client, with the metric exporter's timeout and bounded retry,
// behind spanExporter's conversion), behind a batch processor with a bounded
// queue.
func newTracerProvider(ctx context.Context, cfg config.Config, res *resource.Resource) (*sdktrace.TracerProvider, error) {
	timeout := cfg.Telemetry.ExportTimeout
	exporter, err := newSpanExporter(ctx, otlptracehttp.NewClient(
		otlptracehttp.WithEndpointURL(cfg.Telemetry.Traces.URL),
		otlptracehttp.WithTimeout(timeout),
		otlptracehttp.WithRetry(otlptracehttp.RetryConfig(exportRetry(timeout))),
	))
	if err != nil {
		return nil, fmt.Errorf("create the OTLP trace exporter for %s: %w", cfg.Telemetry.Traces.URL, err)
	}
	processor := sdktrace.NewBatchSpanProcessor(exporter,
		sdktrace.WithMaxQueueSize(SpanQueueSize),
		sdktrace.WithMaxExportBatchSize(SpanBatchSize),
		sdktrace.WithBatchTimeout(SpanBatchInterval),
		sdktrace.WithExportTimeout(timeout),
	)
	return sdktrace.NewTracerProvider(
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sampler(cfg.Telemetry.Sampler)),
		sdktrace.WithSpanProcessor(processor),
	), nil
}

// sampler is the SDK sampler OTEL_TRACES_SAMPLER names.
func sampler(s config.Sampler) sdktrace.Sampler {
	switch s.Name {
	case config.SamplerAlwaysOn:
		return sdktrace.AlwaysSample()
	case config.SamplerAlwaysOff:
		return sdktrace.NeverSample()
	case config.SamplerTraceIDRatio:
		return sdktrace.TraceIDRatioBased(s.Ratio)
	case config.SamplerParentBasedAlwaysOff:
		return sdktrace.ParentBased(sdktrace.NeverSample())
	case config.SamplerParentBasedTraceIDRatio:
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(s.Ratio))
	default:
		return sdktrace.ParentBased(sdktrace.AlwaysSample())
	}
}
