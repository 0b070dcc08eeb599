package telemetry

import (
	"context"
	"fmt"
	"math"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

// spanExporter is otlptrace's exporter with a cheaper conversion to OTLP:
// the same messages (checked against otlptrace's own in the tests), but the
// spans, their statuses, ids and attributes of a batch are carved from a few
// arrays, kept from one export to the next, instead of three allocations for
// every attribute. The arrays grow to the largest batch (SpanBatchSize spans:
// about 1 MiB) and are cleared after every export. The client
// (otlptracehttp's) does the rest: the request, its retries, its timeout; it
// has marshalled the messages when it returns.
type spanExporter struct {
	client otlptrace.Client
	stop   sync.Once
	// arenaMu guards arena; an export that finds it taken (exports
	// overlap) makes its own.
	arenaMu sync.Mutex
	arena   spanArena
}

// newSpanExporter starts client and returns the exporter that sends with it.
func newSpanExporter(ctx context.Context, client otlptrace.Client) (*spanExporter, error) {
	if err := client.Start(ctx); err != nil {
		return nil, err
	}
	return &spanExporter{client: client}, nil
}

func (e *spanExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	arena := &e.arena
	if e.arenaMu.TryLock() {
		defer e.arenaMu.Unlock()
	} else {
		arena = new(spanArena)
	}
	defer arena.clear()
	resourceSpans := arena.otlpSpans(spans)
	if len(resourceSpans) == 0 {
		return nil
	}
	if err := e.client.UploadTraces(ctx, resourceSpans); err != nil {
		return fmt.Errorf("traces export: %w", err)
	}
	return nil
}

func (e *spanExporter) Shutdown(ctx context.Context) error {
	var err error
	e.stop.Do(func() { err = e.client.Stop(ctx) })
	return err
}

// slab is an array whose elements are handed out in order.
type slab[T any] struct {
	all  []T
	next int
}

// reset makes room for n elements, handed out from the first.
func (s *slab[T]) reset(n int) {
	if cap(s.all) < n {
		s.all = make([]T, n)
	}
	s.all, s.next = s.all[:n], 0
}

// take hands out the next element.
func (s *slab[T]) take() *T {
	s.next++
	return &s.all[s.next-1]
}

// takeN hands out the next n elements.
func (s *slab[T]) takeN(n int) []T {
	s.next += n
	return s.all[s.next-n : s.next : s.next]
}

// clear zeroes what was handed out, so that nothing it pointed to is kept.
func (s *slab[T]) clear() {
	clear(s.all[:s.next])
	s.next = 0
}

// spanArena holds the messages of one batch.
type spanArena struct {
	spans    slab[tracepb.Span]
	statuses slab[tracepb.Status]
	ids      slab[byte]
	kvPtrs   slab[*commonpb.KeyValue]
	kvs      slab[commonpb.KeyValue]
	values   slab[commonpb.AnyValue]
	strings  slab[commonpb.AnyValue_StringValue]
	ints     slab[commonpb.AnyValue_IntValue]
	doubles  slab[commonpb.AnyValue_DoubleValue]
	bools    slab[commonpb.AnyValue_BoolValue]
}

// reset makes room for the messages of spans.
func (a *spanArena) reset(spans []sdktrace.ReadOnlySpan) {
	var n, attrs, strs, ints, doubles, bools int
	for _, s := range spans {
		if s == nil {
			continue
		}
		n++
		for _, kv := range s.Attributes() {
			attrs++
			switch kv.Value.Type() {
			case attribute.STRING:
				strs++
			case attribute.INT64:
				ints++
			case attribute.FLOAT64:
				doubles++
			case attribute.BOOL:
				bools++
			}
		}
	}
	a.spans.reset(n)
	a.statuses.reset(n)
	a.ids.reset(n * (16 + 8 + 8)) // trace, span and parent ids
	a.kvPtrs.reset(attrs)
	a.kvs.reset(attrs)
	a.values.reset(attrs)
	a.strings.reset(strs)
	a.ints.reset(ints)
	a.doubles.reset(doubles)
	a.bools.reset(bools)
}

// clear zeroes the messages handed out.
func (a *spanArena) clear() {
	a.spans.clear()
	a.statuses.clear()
	a.ids.clear()
	a.kvPtrs.clear()
	a.kvs.clear()
	a.values.clear()
	a.strings.clear()
	a.ints.clear()
	a.doubles.clear()
	a.bools.clear()
}

// id copies b into the arena.
func (a *spanArena) id(b []byte) []byte {
	out := a.ids.takeN(len(b))
	copy(out, b)
	return out
}

// keyValues converts the attributes of a span; the arena has room for them.
func (a *spanArena) keyValues(attrs []attribute.KeyValue) []*commonpb.KeyValue {
	if len(attrs) == 0 {
		return nil
	}
	out := a.kvPtrs.takeN(len(attrs))
	for i, kv := range attrs {
		pkv, value := a.kvs.take(), a.values.take()
		switch kv.Value.Type() {
		case attribute.STRING:
			v := a.strings.take()
			v.StringValue, value.Value = kv.Value.AsString(), v
		case attribute.INT64:
			v := a.ints.take()
			v.IntValue, value.Value = kv.Value.AsInt64(), v
		case attribute.FLOAT64:
			v := a.doubles.take()
			v.DoubleValue, value.Value = kv.Value.AsFloat64(), v
		case attribute.BOOL:
			v := a.bools.take()
			v.BoolValue, value.Value = kv.Value.AsBool(), v
		default:
			value.Value = anyValue(kv.Value).Value
		}
		pkv.Key, pkv.Value = string(kv.Key), value
		out[i] = pkv
	}
	return out
}

// otlpSpans converts spans to OTLP, grouped by resource and scope as
// otlptrace groups them.
func (a *spanArena) otlpSpans(spans []sdktrace.ReadOnlySpan) []*tracepb.ResourceSpans {
	if len(spans) == 0 {
		return nil
	}
	a.reset(spans)
	type scopeKey struct {
		resource attribute.Distinct
		scope    instrumentation.Scope
	}
	byResource := map[attribute.Distinct]*tracepb.ResourceSpans{}
	byScope := map[scopeKey]*tracepb.ScopeSpans{}
	var out []*tracepb.ResourceSpans
	for _, sd := range spans {
		if sd == nil {
			continue
		}
		res := sd.Resource()
		resKey := res.Equivalent()
		key := scopeKey{resource: resKey, scope: sd.InstrumentationScope()}
		ss, seen := byScope[key]
		if !seen {
			ss = &tracepb.ScopeSpans{Scope: otlpScope(key.scope), Spans: []*tracepb.Span{}, SchemaUrl: key.scope.SchemaURL}
			byScope[key] = ss
		}
		ss.Spans = append(ss.Spans, a.span(sd))
		rs, ok := byResource[resKey]
		switch {
		case !ok:
			rs = &tracepb.ResourceSpans{ScopeSpans: []*tracepb.ScopeSpans{ss}, SchemaUrl: res.SchemaURL()}
			if res != nil {
				rs.Resource = &resourcepb.Resource{Attributes: iterKeyValues(res.Iter())}
			}
			byResource[resKey] = rs
			out = append(out, rs)
		case !seen:
			rs.ScopeSpans = append(rs.ScopeSpans, ss)
		}
	}
	return out
}

// span converts one span, as otlptrace does.
func (a *spanArena) span(sd sdktrace.ReadOnlySpan) *tracepb.Span {
	s, st := a.spans.take(), a.statuses.take()
	sc := sd.SpanContext()
	tid, sid := sc.TraceID(), sc.SpanID()
	status := sd.Status()
	switch status.Code {
	case codes.Ok:
		st.Code = tracepb.Status_STATUS_CODE_OK
	case codes.Error:
		st.Code = tracepb.Status_STATUS_CODE_ERROR
	default:
		st.Code = tracepb.Status_STATUS_CODE_UNSET
	}
	st.Message = status.Description
	s.TraceId, s.SpanId = a.id(tid[:]), a.id(sid[:])
	s.TraceState = sc.TraceState().String()
	s.Status = st
	s.StartTimeUnixNano = uint64(max(0, sd.StartTime().UnixNano()))
	s.EndTimeUnixNano = uint64(max(0, sd.EndTime().UnixNano()))
	s.Links = otlpLinks(sd.Links())
	s.Kind = otlpSpanKind(sd.SpanKind())
	s.Name = sd.Name()
	s.Attributes = a.keyValues(sd.Attributes())
	s.Events = otlpEvents(sd.Events())
	s.DroppedAttributesCount = clampUint32(sd.DroppedAttributes())
	s.DroppedEventsCount = clampUint32(sd.DroppedEvents())
	s.DroppedLinksCount = clampUint32(sd.DroppedLinks())
	parent := sd.Parent()
	if psid := parent.SpanID(); psid.IsValid() {
		s.ParentSpanId = a.id(psid[:])
	}
	s.Flags = spanFlags(sc.TraceFlags(), parent)
	return s
}

// The conversions below are otlptrace's, for what a batch seldom holds:
// links, events, scopes, resources and attribute values other than a
// string, an integer, a float or a bool.

func otlpScope(s instrumentation.Scope) *commonpb.InstrumentationScope {
	if s == (instrumentation.Scope{}) {
		return nil
	}
	return &commonpb.InstrumentationScope{Name: s.Name, Version: s.Version, Attributes: iterKeyValues(s.Attributes.Iter())}
}

func otlpSpanKind(kind trace.SpanKind) tracepb.Span_SpanKind {
	switch kind {
	case trace.SpanKindInternal:
		return tracepb.Span_SPAN_KIND_INTERNAL
	case trace.SpanKindClient:
		return tracepb.Span_SPAN_KIND_CLIENT
	case trace.SpanKindServer:
		return tracepb.Span_SPAN_KIND_SERVER
	case trace.SpanKindProducer:
		return tracepb.Span_SPAN_KIND_PRODUCER
	case trace.SpanKindConsumer:
		return tracepb.Span_SPAN_KIND_CONSUMER
	default:
		return tracepb.Span_SPAN_KIND_UNSPECIFIED
	}
}

// spanFlags are the W3C trace flags, and whether the parent is remote.
func spanFlags(tf trace.TraceFlags, parent trace.SpanContext) uint32 {
	flags := uint32(tf) | uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK)
	if parent.IsRemote() {
		flags |= uint32(tracepb.SpanFlags_SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK)
	}
	return flags
}

func otlpLinks(links []sdktrace.Link) []*tracepb.Span_Link {
	if len(links) == 0 {
		return nil
	}
	out := make([]*tracepb.Span_Link, 0, len(links))
	for _, l := range links {
		tid, sid := l.SpanContext.TraceID(), l.SpanContext.SpanID()
		out = append(out, &tracepb.Span_Link{
			TraceId: tid[:], SpanId: sid[:],
			Attributes:             keyValues(l.Attributes),
			DroppedAttributesCount: clampUint32(l.DroppedAttributeCount),
			Flags:                  spanFlags(l.SpanContext.TraceFlags(), l.SpanContext),
		})
	}
	return out
}

func otlpEvents(events []sdktrace.Event) []*tracepb.Span_Event {
	if len(events) == 0 {
		return nil
	}
	out := make([]*tracepb.Span_Event, len(events))
	for i, e := range events {
		out[i] = &tracepb.Span_Event{
			Name: e.Name, TimeUnixNano: uint64(max(0, e.Time.UnixNano())),
			Attributes: keyValues(e.Attributes), DroppedAttributesCount: clampUint32(e.DroppedAttributeCount),
		}
	}
	return out
}

func clampUint32(v int) uint32 {
	if v < 0 {
		return 0
	}
	if int64(v) > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(v)
}

func keyValues(attrs []attribute.KeyValue) []*commonpb.KeyValue {
	if len(attrs) == 0 {
		return nil
	}
	out := make([]*commonpb.KeyValue, len(attrs))
	for i, kv := range attrs {
		out[i] = &commonpb.KeyValue{Key: string(kv.Key), Value: anyValue(kv.Value)}
	}
	return out
}

func iterKeyValues(it attribute.Iterator) []*commonpb.KeyValue {
	if it.Len() == 0 {
		return nil
	}
	out := make([]*commonpb.KeyValue, 0, it.Len())
	for it.Next() {
		kv := it.Attribute()
		out = append(out, &commonpb.KeyValue{Key: string(kv.Key), Value: anyValue(kv.Value)})
	}
	return out
}

func anyValue(v attribute.Value) *commonpb.AnyValue {
	av := new(commonpb.AnyValue)
	switch v.Type() {
	case attribute.BOOL:
		av.Value = &commonpb.AnyValue_BoolValue{BoolValue: v.AsBool()}
	case attribute.INT64:
		av.Value = &commonpb.AnyValue_IntValue{IntValue: v.AsInt64()}
	case attribute.FLOAT64:
		av.Value = &commonpb.AnyValue_DoubleValue{DoubleValue: v.AsFloat64()}
	case attribute.STRING:
		av.Value = &commonpb.AnyValue_StringValue{StringValue: v.AsString()}
	case attribute.BYTESLICE:
		av.Value = &commonpb.AnyValue_BytesValue{BytesValue: v.AsByteSlice()}
	case attribute.BOOLSLICE:
		av.Value = arrayValue(v.AsBoolSlice(), func(b bool) *commonpb.AnyValue {
			return &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: b}}
		})
	case attribute.INT64SLICE:
		av.Value = arrayValue(v.AsInt64Slice(), func(n int64) *commonpb.AnyValue {
			return &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: n}}
		})
	case attribute.FLOAT64SLICE:
		av.Value = arrayValue(v.AsFloat64Slice(), func(f float64) *commonpb.AnyValue {
			return &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: f}}
		})
	case attribute.STRINGSLICE:
		av.Value = arrayValue(v.AsStringSlice(), func(s string) *commonpb.AnyValue {
			return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
		})
	case attribute.SLICE:
		av.Value = arrayValue(v.AsSlice(), anyValue)
	case attribute.MAP:
		av.Value = &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: keyValues(v.AsMap())}}
	case attribute.EMPTY:
	default:
		av.Value = &commonpb.AnyValue_StringValue{StringValue: "INVALID"}
	}
	return av
}

func arrayValue[T any](vals []T, convert func(T) *commonpb.AnyValue) *commonpb.AnyValue_ArrayValue {
	out := make([]*commonpb.AnyValue, len(vals))
	for i, v := range vals {
		out[i] = convert(v)
	}
	return &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: out}}
}
