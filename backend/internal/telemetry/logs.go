package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.opentelemetry.io/contrib/bridges/otelslog"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/scanium/openai-monitoring/backend/config"
)

// Bounds of the log pipeline, like the span pipeline's: a log call never
// waits on the exporter; records queue up to LogQueueSize, and beyond it the
// oldest are dropped.
const (
	LogQueueSize     = 2048
	LogBatchSize     = 512
	LogBatchInterval = time.Second
)

// logScope names the logger the backend's OTLP log records come from.
const logScope = "github.com/scanium/openai-monitoring/backend"

// newLoggerProvider builds the log pipeline: the OTLP/HTTP exporter, with
// the metric exporter's timeout and bounded retry, behind a batch processor
// with a bounded queue.
func newLoggerProvider(ctx context.Context, cfg config.Config, res *resource.Resource) (*sdklog.LoggerProvider, error) {
	timeout := cfg.Telemetry.ExportTimeout
	exporter, err := otlploghttp.New(ctx,
		otlploghttp.WithEndpointURL(cfg.Telemetry.Logs.URL),
		otlploghttp.WithTimeout(timeout),
		otlploghttp.WithRetry(otlploghttp.RetryConfig(exportRetry(timeout))),
	)
	if err != nil {
		return nil, fmt.Errorf("create the OTLP log exporter for %s: %w", cfg.Telemetry.Logs.URL, err)
	}
	processor := sdklog.NewBatchProcessor(exporter,
		sdklog.WithMaxQueueSize(LogQueueSize),
		sdklog.WithExportMaxBatchSize(LogBatchSize),
		sdklog.WithExportInterval(LogBatchInterval),
		sdklog.WithExportTimeout(timeout),
	)
	return sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithProcessor(processor)), nil
}

// LogHandler returns the handler the backend logs through: stdout, the
// handler of the JSON lines, and, when logs are exported, the OTLP log
// bridge beside it, which takes the records stdout takes (level from
// level). A record logged with a context that holds a span carries that
// span's trace and span ids in OTLP. Wrap the result in the redaction
// handler, so that both outputs are redacted.
func (t *Telemetry) LogHandler(stdout slog.Handler, level slog.Leveler) slog.Handler {
	if t == nil || t.logs == nil {
		return stdout
	}
	bridge := otelslog.NewHandler(logScope, otelslog.WithLoggerProvider(t.logs))
	return fanout{stdout, levelFilter{next: bridge, level: level}}
}

// fanout hands every record to each of its handlers that takes its level.
type fanout []slog.Handler

func (f fanout) Enabled(ctx context.Context, level slog.Level) bool {
	for _, h := range f {
		if h.Enabled(ctx, level) {
			return true
		}
	}
	return false
}

func (f fanout) Handle(ctx context.Context, r slog.Record) error {
	var errs []error
	for i, h := range f {
		if !h.Enabled(ctx, r.Level) {
			continue
		}
		rec := r
		if i > 0 {
			rec = r.Clone() // a handler may add to its record; none shares another's
		}
		if err := h.Handle(ctx, rec); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (f fanout) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithAttrs(attrs)
	}
	return out
}

func (f fanout) WithGroup(name string) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithGroup(name)
	}
	return out
}

// levelFilter passes on the records of level or above.
type levelFilter struct {
	next  slog.Handler
	level slog.Leveler
}

func (l levelFilter) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= l.level.Level() && l.next.Enabled(ctx, level)
}

func (l levelFilter) Handle(ctx context.Context, r slog.Record) error { return l.next.Handle(ctx, r) }

func (l levelFilter) WithAttrs(attrs []slog.Attr) slog.Handler {
	return levelFilter{next: l.next.WithAttrs(attrs), level: l.level}
}

func (l levelFilter) WithGroup(name string) slog.Handler {
	return levelFilter{next: l.next.WithGroup(name), level: l.level}
}
