package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
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

// logProviders are the two LoggerProviders of the log pipeline, which share
// its batch processor. deduped keeps one value of a key a record repeats, as
// the OpenTelemetry specification requires; it takes any record. unique
// skips that work, which costs the SDK a map per attribute; it takes only
// records that LogHandler has checked to repeat no key.
type logProviders struct {
	deduped, unique *sdklog.LoggerProvider
}

// Shutdown shuts both down; the first does the final export of the shared
// processor.
func (p logProviders) Shutdown(ctx context.Context) error {
	return errors.Join(p.unique.Shutdown(ctx), p.deduped.Shutdown(ctx))
}

// newLoggerProviders builds the log pipeline: the OTLP/HTTP exporter, with
// the metric exporter's timeout and bounded retry, behind a batch processor
// with a bounded queue.
func newLoggerProviders(ctx context.Context, cfg config.Config, res *resource.Resource) (*logProviders, error) {
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
	return &logProviders{
		deduped: sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithProcessor(processor)),
		unique:  sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithProcessor(processor), sdklog.WithAllowKeyDuplication()),
	}, nil
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
	return fanout{stdout, bridge{
		fast:  otelslog.NewHandler(logScope, otelslog.WithLoggerProvider(t.logs.unique)),
		next:  otelslog.NewHandler(logScope, otelslog.WithLoggerProvider(t.logs.deduped)),
		level: level,
	}}
}

// bridge passes the records of level or above on to the OTLP log bridge:
// through fast, whose SDK logger does not look for repeated keys, when the
// record has none and the handler holds no attributes or groups of its own
// (the access log's case); through next otherwise.
type bridge struct {
	fast  slog.Handler // nil once attributes or a group were added
	next  slog.Handler
	level slog.Leveler
}

func (b bridge) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= b.level.Level() && b.next.Enabled(ctx, level)
}

func (b bridge) Handle(ctx context.Context, r slog.Record) error {
	if b.fast != nil && distinctKeys(r) {
		return b.fast.Handle(ctx, r)
	}
	return b.next.Handle(ctx, r)
}

// maxCheckedAttrs is the most attributes distinctKeys compares.
const maxCheckedAttrs = 16

// distinctKeys tells whether r's attributes, none of them a group, have
// distinct keys; a record of more than maxCheckedAttrs is not checked.
func distinctKeys(r slog.Record) bool {
	if r.NumAttrs() > maxCheckedAttrs {
		return false
	}
	var keys [maxCheckedAttrs]string
	n, distinct := 0, true
	r.Attrs(func(a slog.Attr) bool {
		if a.Value.Kind() == slog.KindGroup || slices.Contains(keys[:n], a.Key) {
			distinct = false
			return false
		}
		keys[n] = a.Key
		n++
		return true
	})
	return distinct
}

func (b bridge) WithAttrs(attrs []slog.Attr) slog.Handler {
	return bridge{next: b.next.WithAttrs(attrs), level: b.level}
}

func (b bridge) WithGroup(name string) slog.Handler {
	return bridge{next: b.next.WithGroup(name), level: b.level}
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
