package telemetry

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// uploads is an otlptrace.Client that keeps copies of what it is asked to
// send: like otlptracehttp's, which has marshalled the messages when it
// returns, it keeps none of them.
type uploads struct {
	got     [][]*tracepb.ResourceSpans
	err     error
	stopped int
}

func (u *uploads) Start(context.Context) error { return nil }
func (u *uploads) Stop(context.Context) error  { u.stopped++; return nil }
func (u *uploads) UploadTraces(_ context.Context, rs []*tracepb.ResourceSpans) error {
	copies := make([]*tracepb.ResourceSpans, len(rs))
	for i, r := range rs {
		copies[i] = proto.Clone(r).(*tracepb.ResourceSpans)
	}
	u.got = append(u.got, copies)
	return u.err
}

// variedSpans are spans with every kind of attribute value, events, links,
// statuses, remote and local parents, trace state, two resources and
// several scopes.
func variedSpans(t *testing.T) []sdktrace.ReadOnlySpan {
	t.Helper()
	ctx := func(tid, sid byte, remote bool, state string) trace.SpanContext {
		ts, err := trace.ParseTraceState(state)
		if err != nil {
			t.Fatal(err)
		}
		return trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: trace.TraceID{tid, 1}, SpanID: trace.SpanID{sid, 2}, TraceFlags: trace.FlagsSampled, Remote: remote, TraceState: ts,
		})
	}
	resA := resource.NewSchemaless(attribute.String("service.name", "a"), attribute.Int("n", 1))
	resB := resource.NewWithAttributes("https://opentelemetry.io/schemas/1.40.0", attribute.String("service.name", "b"))
	start := time.Unix(1_700_000_000, 123)
	every := []attribute.KeyValue{
		attribute.String("s", "text"), attribute.Int64("i", -7), attribute.Float64("f", 0.25), attribute.Bool("b", true),
		attribute.StringSlice("ss", []string{"stop", "length"}), attribute.Int64Slice("is", []int64{1, 2}),
		attribute.Float64Slice("fs", []float64{1.5}), attribute.BoolSlice("bs", []bool{false, true}),
		attribute.String("", "empty key"), attribute.String("empty", ""),
	}
	stubs := tracetest.SpanStubs{
		{
			Name: "POST /api/assistant/chat", SpanContext: ctx(1, 1, false, "vendor=x"), Parent: ctx(1, 9, true, ""),
			SpanKind: trace.SpanKindServer, StartTime: start, EndTime: start.Add(time.Millisecond),
			Attributes: every, Status: sdktrace.Status{Code: codes.Error, Description: "boom"},
			Resource: resA, InstrumentationScope: instrumentation.Scope{Name: "server", Version: "1", SchemaURL: "https://x"},
			DroppedAttributes: 2, DroppedEvents: 3, DroppedLinks: 4, ChildSpanCount: 1,
			Events: []sdktrace.Event{{Name: "e", Time: start, Attributes: []attribute.KeyValue{attribute.Int("k", 1)}, DroppedAttributeCount: 1}},
			Links:  []sdktrace.Link{{SpanContext: ctx(3, 3, true, "a=b"), Attributes: []attribute.KeyValue{attribute.String("l", "v")}, DroppedAttributeCount: 5}},
		},
		{
			Name: "chat gpt-4o-mini", SpanContext: ctx(1, 2, false, ""), Parent: ctx(1, 1, false, ""),
			SpanKind: trace.SpanKindClient, StartTime: start, EndTime: start.Add(time.Second),
			Attributes: every[:4], Status: sdktrace.Status{Code: codes.Ok},
			Resource: resA, InstrumentationScope: instrumentation.Scope{Name: "client", Attributes: attribute.NewSet(attribute.String("sa", "v"))},
		},
		{Name: "no attributes", SpanContext: ctx(2, 1, false, ""), Resource: resA, InstrumentationScope: instrumentation.Scope{Name: "server", Version: "1", SchemaURL: "https://x"}},
		{Name: "other resource", SpanContext: ctx(4, 1, false, ""), SpanKind: trace.SpanKindInternal, Resource: resB, Attributes: every[4:]},
		{Name: "internal", SpanContext: ctx(5, 1, false, ""), SpanKind: trace.SpanKindProducer, Resource: resB, InstrumentationScope: instrumentation.Scope{Name: "x"}},
	}
	return append(stubs.Snapshots(), nil)
}

// sortedScopes orders each resource's scopes and the resources by name:
// otlptrace hands them out in map order.
func sortedScopes(rss []*tracepb.ResourceSpans) []*tracepb.ResourceSpans {
	for _, rs := range rss {
		slices.SortFunc(rs.ScopeSpans, func(a, b *tracepb.ScopeSpans) int {
			return strings.Compare(a.GetScope().GetName(), b.GetScope().GetName())
		})
	}
	slices.SortFunc(rss, func(a, b *tracepb.ResourceSpans) int {
		return strings.Compare(a.GetResource().String(), b.GetResource().String())
	})
	return rss
}

func TestSpanExporterSendsWhatOtlptraceSends(t *testing.T) {
	ctx := context.Background()
	spans := variedSpans(t)
	theirs, ours := &uploads{}, &uploads{}
	reference, err := otlptrace.New(ctx, theirs)
	if err != nil {
		t.Fatal(err)
	}
	exporter, err := newSpanExporter(ctx, ours)
	if err != nil {
		t.Fatal(err)
	}
	for _, batch := range [][]sdktrace.ReadOnlySpan{spans, spans[:1], nil} {
		if err := reference.ExportSpans(ctx, batch); err != nil {
			t.Fatal(err)
		}
		if err := exporter.ExportSpans(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	if len(ours.got) != len(theirs.got) || len(ours.got) != 2 {
		t.Fatalf("%d uploads, otlptrace made %d (want 2: an empty batch sends nothing)", len(ours.got), len(theirs.got))
	}
	for i := range ours.got {
		got, want := sortedScopes(ours.got[i]), sortedScopes(theirs.got[i])
		if len(got) != len(want) {
			t.Fatalf("upload %d: %d resources, want %d", i, len(got), len(want))
		}
		for j := range got {
			if !proto.Equal(got[j], want[j]) {
				t.Errorf("upload %d, resource %d:\n got %v\nwant %v", i, j, got[j], want[j])
			}
		}
	}

	ours.err = errors.New("refused")
	if err := exporter.ExportSpans(ctx, spans); err == nil || !errors.Is(err, ours.err) || !strings.HasPrefix(err.Error(), "traces export: ") {
		t.Errorf("a failed upload gives %v, want it wrapped as otlptrace wraps it", err)
	}
	for range 2 {
		if err := exporter.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if ours.stopped != 1 {
		t.Errorf("client stopped %d times, want once", ours.stopped)
	}
}
