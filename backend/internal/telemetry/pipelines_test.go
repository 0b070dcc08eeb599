package telemetry

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/propagation"

	"github.com/scanium/openai-monitoring/backend/config"
	"github.com/scanium/openai-monitoring/backend/internal/otlptest"
)

func TestSpansAndLogRecordsReachTheirEndpoints(t *testing.T) {
	recv := otlptest.New(t)
	tel, err := Setup(context.Background(), loadConfig(t, config.EnvOTLPEndpoint, recv.URL), Info{Version: "1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	if !tel.Traced {
		t.Error("traces are exported by default")
	}
	var stdout bytes.Buffer
	logger := slog.New(tel.LogHandler(slog.NewJSONHandler(&stdout, nil), slog.LevelInfo))

	ctx, span := tel.TracerProvider.Tracer("test").Start(context.Background(), "work")
	logger.InfoContext(ctx, "inside", "request_id", "r-1")
	logger.DebugContext(ctx, "below the level")
	span.End()
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	if errs := recv.Errors(); len(errs) > 0 {
		t.Fatal(errs)
	}
	spans := otlptest.SpanNamed(recv.Spans(), "work")
	if len(spans) != 1 {
		t.Fatalf("%d spans named work, want 1", len(spans))
	}
	logs := recv.Logs()
	if len(logs) != 1 {
		t.Fatalf("%d log records, want 1 (the debug one is below LOG_LEVEL)", len(logs))
	}
	rec := logs[0]
	if rec.GetBody().GetStringValue() != "inside" || rec.GetSeverityText() != "INFO" || otlptest.Str(rec.GetAttributes(), "request_id") != "r-1" {
		t.Errorf("log record %v", rec)
	}
	if otlptest.Hex(rec.GetTraceId()) != otlptest.Hex(spans[0].GetTraceId()) || otlptest.Hex(rec.GetSpanId()) != otlptest.Hex(spans[0].GetSpanId()) {
		t.Errorf("log record's trace %x span %x, want the span's %x %x", rec.GetTraceId(), rec.GetSpanId(), spans[0].GetTraceId(), spans[0].GetSpanId())
	}
	if got := strings.Count(stdout.String(), "\n"); got != 1 || !strings.Contains(stdout.String(), `"msg":"inside"`) {
		t.Errorf("stdout %q: want the one info line", stdout.String())
	}
}

func TestSignalEndpointsAsGiven(t *testing.T) {
	traces, logs := otlptest.New(t), otlptest.New(t)
	tel, err := Setup(context.Background(), loadConfig(t,
		config.EnvOTLPEndpoint, blackHole(t), config.EnvOTLPTimeout, "500",
		config.EnvOTLPTracesEndpoint, traces.URL+"/v1/traces", config.EnvOTLPLogsEndpoint, logs.URL+"/v1/logs",
	), Info{})
	if err != nil {
		t.Fatal(err)
	}
	_, span := tel.TracerProvider.Tracer("test").Start(context.Background(), "work")
	span.End()
	slog.New(tel.LogHandler(slog.DiscardHandler, slog.LevelInfo)).Info("hello")
	_ = tel.Shutdown(context.Background()) // the metrics go to a black hole
	if traces.Requests("/v1/traces") == 0 || logs.Requests("/v1/logs") == 0 || traces.Requests("/v1/logs") != 0 || logs.Requests("/v1/traces") != 0 {
		t.Errorf("traces endpoint got %d trace and %d log requests, logs endpoint %d and %d",
			traces.Requests("/v1/traces"), traces.Requests("/v1/logs"), logs.Requests("/v1/traces"), logs.Requests("/v1/logs"))
	}
}

func TestTracesAndLogsOff(t *testing.T) {
	tel, err := Setup(context.Background(), loadConfig(t, config.EnvTracesExporter, "none", config.EnvLogsExporter, "none"), Info{})
	if err != nil {
		t.Fatal(err)
	}
	defer tel.Shutdown(context.Background())
	if !tel.Enabled || tel.Traced {
		t.Errorf("enabled %v traced %v, want metrics on and traces off", tel.Enabled, tel.Traced)
	}
	_, span := tel.TracerProvider.Tracer("test").Start(context.Background(), "work")
	if span.IsRecording() || span.SpanContext().IsValid() {
		t.Error("OTEL_TRACES_EXPORTER=none still records spans")
	}
	stdout := slog.NewJSONHandler(&bytes.Buffer{}, nil)
	if h := tel.LogHandler(stdout, slog.LevelInfo); h != slog.Handler(stdout) {
		t.Errorf("OTEL_LOGS_EXPORTER=none: handler %T, want stdout's alone", h)
	}
}

func TestDisabledHasNoopTracesAndLogs(t *testing.T) {
	tel, err := Setup(context.Background(), loadConfig(t, config.EnvOTelEnabled, "false"), Info{})
	if err != nil {
		t.Fatal(err)
	}
	_, span := tel.TracerProvider.Tracer("test").Start(context.Background(), "work")
	if span.IsRecording() || tel.LoggerProvider == nil || tel.Propagator == nil {
		t.Errorf("disabled telemetry records spans or lacks a provider: %+v", tel)
	}
	stdout := slog.NewJSONHandler(&bytes.Buffer{}, nil)
	if h := tel.LogHandler(stdout, slog.LevelInfo); h != slog.Handler(stdout) {
		t.Errorf("handler %T, want stdout's alone", h)
	}
}

func TestPropagatorReadsTraceparentAndBaggage(t *testing.T) {
	h := http.Header{}
	h.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	h.Set("baggage", "tenant=scanium")
	ctx := Propagator().Extract(context.Background(), propagation.HeaderCarrier(h))
	out := http.Header{}
	Propagator().Inject(ctx, propagation.HeaderCarrier(out))
	if out.Get("traceparent") != h.Get("traceparent") || out.Get("baggage") != "tenant=scanium" {
		t.Errorf("propagated %v", out)
	}
}

func TestSampler(t *testing.T) {
	for _, tc := range []struct {
		s    config.Sampler
		want string
	}{
		{config.Sampler{Name: config.SamplerParentBasedAlwaysOn, Ratio: 1}, "ParentBased{root:AlwaysOnSampler"},
		{config.Sampler{Name: config.SamplerAlwaysOn, Ratio: 1}, "AlwaysOnSampler"},
		{config.Sampler{Name: config.SamplerAlwaysOff, Ratio: 1}, "AlwaysOffSampler"},
		{config.Sampler{Name: config.SamplerTraceIDRatio, Ratio: 0.25}, "TraceIDRatioBased{0.25}"},
		{config.Sampler{Name: config.SamplerParentBasedAlwaysOff, Ratio: 1}, "ParentBased{root:AlwaysOffSampler"},
		{config.Sampler{Name: config.SamplerParentBasedTraceIDRatio, Ratio: 0.5}, "ParentBased{root:TraceIDRatioBased{0.5}"},
	} {
		if got := sampler(tc.s).Description(); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%+v: sampler %s, want %s", tc.s, got, tc.want)
		}
	}
}

func TestBannerSignals(t *testing.T) {
	on := Banner(loadConfig(t, config.EnvOTLPEndpoint, "http://scanium-alloy:4318"))
	for _, want := range []string{
		"   Metrics: http://scanium-alloy:4318/v1/metrics",
		"   Traces: http://scanium-alloy:4318/v1/traces (sampler parentbased_always_on)",
		"   Logs: http://scanium-alloy:4318/v1/logs (and JSON on stdout)",
	} {
		if !containsLine(on, want) {
			t.Errorf("banner %q lacks %q", on, want)
		}
	}
	if strings.Contains(strings.Join(on, "\n"), "content") {
		t.Errorf("banner %q mentions content capture, which is off", on)
	}
	off := Banner(loadConfig(t, config.EnvTracesExporter, "none", config.EnvLogsExporter, "none"))
	for _, want := range []string{"   Traces: not exported (OTEL_TRACES_EXPORTER=none)", "   Logs: JSON on stdout only (OTEL_LOGS_EXPORTER=none)"} {
		if !containsLine(off, want) {
			t.Errorf("banner %q lacks %q", off, want)
		}
	}
	ratio := Banner(loadConfig(t, config.EnvTracesSampler, "parentbased_traceidratio", config.EnvTracesSamplerArg, "0.1",
		config.EnvCaptureMessageContent, "true"))
	for _, want := range []string{
		"   Traces: http://localhost:4318/v1/traces (sampler parentbased_traceidratio 0.1)",
		"   GenAI message content: captured on the OpenAI spans, at most 1024 bytes a message (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true)",
	} {
		if !containsLine(ratio, want) {
			t.Errorf("banner %q lacks %q", ratio, want)
		}
	}
}

func containsLine(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}
