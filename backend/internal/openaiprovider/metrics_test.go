package openaiprovider

import (
	"bytes"
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

const testModel = "gpt-4o-mini"

// meterReader is a Recorder over a real SDK MeterProvider and the
// ManualReader that reads what it exports.
type meterReader struct {
	t        *testing.T
	reader   *sdkmetric.ManualReader
	recorder *Recorder
}

func newMeterReader(t *testing.T) *meterReader {
	t.Helper()
	return newMeterReaderFor(t, testModel)
}

// newMeterReaderFor is a meterReader whose Recorder is for model.
func newMeterReaderFor(t *testing.T, model string) *meterReader {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	rec, err := NewRecorder(mp, model)
	if err != nil {
		t.Fatal(err)
	}
	return &meterReader{t: t, reader: reader, recorder: rec}
}

// collect returns the exported metrics by name.
func (mr *meterReader) collect() map[string]metricdata.Metrics {
	mr.t.Helper()
	var rm metricdata.ResourceMetrics
	if err := mr.reader.Collect(context.Background(), &rm); err != nil {
		mr.t.Fatal(err)
	}
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		for _, metric := range sm.Metrics {
			out[metric.Name] = metric
		}
	}
	return out
}

// labels renders an attribute set as a map for comparison.
func labels(set attribute.Set) map[string]string {
	out := map[string]string{}
	for _, kv := range set.ToSlice() {
		out[string(kv.Key)] = kv.Value.Emit()
	}
	return out
}

func sameLabels(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// streamed is want with the stream label of a call that is not streamed
// when it names none: the requests counter's and the duration histogram's
// points all have one.
func streamed(want map[string]string) map[string]string {
	if _, ok := want[m.LabelStream]; ok {
		return want
	}
	out := maps.Clone(want)
	out[m.LabelStream] = m.StreamFalse
	return out
}

// sumValue finds the counter point with exactly these labels (stream="false"
// on the requests counter when want names no stream).
func sumValue(t *testing.T, got map[string]metricdata.Metrics, name string, want map[string]string) (int64, bool) {
	t.Helper()
	if name == m.RequestsTotal {
		want = streamed(want)
	}
	metric, ok := got[name]
	if !ok {
		return 0, false
	}
	sum, ok := metric.Data.(metricdata.Sum[int64])
	if !ok {
		t.Fatalf("%s is %T, want a monotonic int64 sum", name, metric.Data)
	}
	if !sum.IsMonotonic || sum.Temporality != metricdata.CumulativeTemporality {
		t.Fatalf("%s: monotonic=%v temporality=%v, want a cumulative counter", name, sum.IsMonotonic, sum.Temporality)
	}
	for _, dp := range sum.DataPoints {
		if sameLabels(labels(dp.Attributes), want) {
			return dp.Value, true
		}
	}
	return 0, false
}

func gaugeValue(t *testing.T, got map[string]metricdata.Metrics, name string, want map[string]string) (float64, bool) {
	t.Helper()
	metric, ok := got[name]
	if !ok {
		return 0, false
	}
	switch g := metric.Data.(type) {
	case metricdata.Gauge[int64]:
		for _, dp := range g.DataPoints {
			if sameLabels(labels(dp.Attributes), want) {
				return float64(dp.Value), true
			}
		}
	case metricdata.Gauge[float64]:
		for _, dp := range g.DataPoints {
			if sameLabels(labels(dp.Attributes), want) {
				return dp.Value, true
			}
		}
	default:
		t.Fatalf("%s is %T, want a gauge", name, metric.Data)
	}
	return 0, false
}

// histogramPoint finds the duration histogram's point with exactly these
// labels (stream="false" when want names no stream).
func histogramPoint(t *testing.T, got map[string]metricdata.Metrics, want map[string]string) (metricdata.HistogramDataPoint[float64], bool) {
	t.Helper()
	return histogramPointOf(t, got, m.RequestDurationSeconds, streamed(want))
}

// histogramPointOf finds the point of the histogram name with exactly these
// labels.
func histogramPointOf(t *testing.T, got map[string]metricdata.Metrics, name string, want map[string]string) (metricdata.HistogramDataPoint[float64], bool) {
	t.Helper()
	metric, ok := got[name]
	if !ok {
		return metricdata.HistogramDataPoint[float64]{}, false
	}
	h, ok := metric.Data.(metricdata.Histogram[float64])
	if !ok {
		t.Fatalf("%s is %T, want a float64 histogram", name, metric.Data)
	}
	for _, dp := range h.DataPoints {
		if sameLabels(labels(dp.Attributes), want) {
			return dp, true
		}
	}
	return metricdata.HistogramDataPoint[float64]{}, false
}

func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func fullRateLimitHeader() http.Header {
	return header(
		"x-ratelimit-limit-requests", "10000", "x-ratelimit-limit-tokens", "2000000",
		"x-ratelimit-remaining-requests", "9999", "x-ratelimit-remaining-tokens", "1999500",
		"x-ratelimit-reset-requests", "6ms", "x-ratelimit-reset-tokens", "6m0s",
	)
}

func TestRecordSuccess(t *testing.T) {
	mr := newMeterReader(t)
	mr.recorder.Record(context.Background(), Attempt{
		Duration:   1500 * time.Millisecond,
		Usage:      Usage{InputTokens: 1200, OutputTokens: 300, TotalTokens: 1500, CachedInputTokens: 1024, ReasoningTokens: 192},
		RateLimits: ParseRateLimits(fullRateLimitHeader()),
	})
	got := mr.collect()

	if v, ok := sumValue(t, got, m.RequestsTotal, map[string]string{m.LabelModel: testModel, m.LabelStatus: m.StatusSuccess}); !ok || v != 1 {
		t.Errorf("%s{success} = %d (found %v), want 1 and no error_type label", m.RequestsTotal, v, ok)
	}
	dp, ok := histogramPoint(t, got, map[string]string{m.LabelModel: testModel, m.LabelStatus: m.StatusSuccess})
	if !ok || dp.Count != 1 || dp.Sum != 1.5 {
		t.Errorf("duration point = %+v (found %v), want count 1 sum 1.5", dp, ok)
	}
	if !slices.Equal(dp.Bounds, m.DurationBuckets()) {
		t.Errorf("histogram bounds %v, want the contract's %v", dp.Bounds, m.DurationBuckets())
	}
	if unit := got[m.RequestDurationSeconds].Unit; unit != "s" {
		t.Errorf("duration unit %q, want s", unit)
	}
	for tokenType, want := range map[string]int64{
		m.TokenInput: 1200, m.TokenOutput: 300, m.TokenTotal: 1500, m.TokenCachedInput: 1024, m.TokenReasoning: 192,
	} {
		if v, ok := sumValue(t, got, m.TokensTotal, map[string]string{m.LabelModel: testModel, m.LabelTokenType: tokenType}); !ok || v != want {
			t.Errorf("%s{%s} = %d (found %v), want %d", m.TokensTotal, tokenType, v, ok, want)
		}
	}
	reqLabels := map[string]string{m.LabelModel: testModel, m.LabelLimitType: m.LimitRequests}
	tokLabels := map[string]string{m.LabelModel: testModel, m.LabelLimitType: m.LimitTokens}
	for _, g := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{m.RateLimitRequestsLimit, reqLabels, 10000},
		{m.RateLimitTokensLimit, tokLabels, 2000000},
		{m.RateLimitRequestsRemaining, reqLabels, 9999},
		{m.RateLimitTokensRemaining, tokLabels, 1999500},
		{m.RateLimitRequestsResetSeconds, reqLabels, 0.006},
		{m.RateLimitTokensResetSeconds, tokLabels, 360},
	} {
		if v, ok := gaugeValue(t, got, g.name, g.labels); !ok || v != g.want {
			t.Errorf("%s%v = %v (found %v), want %v", g.name, g.labels, v, ok, g.want)
		}
	}
	// Units and descriptions come from the contract, and the provider
	// records every instrument the contract gives it (the first-token
	// histogram for streamed calls only).
	mr.recorder.Record(context.Background(), Attempt{Duration: 2 * time.Second, Stream: true,
		TimeToFirstToken: 300 * time.Millisecond, FirstToken: true})
	got = mr.collect()
	for _, in := range m.Instruments() {
		if in.Recorder != m.RecorderProvider {
			continue
		}
		metric, ok := got[in.Name]
		if !ok {
			t.Errorf("%s not exported", in.Name)
			continue
		}
		if metric.Unit != in.Unit || metric.Description != in.Description {
			t.Errorf("%s: unit %q description %q, want %q %q", in.Name, metric.Unit, metric.Description, in.Unit, in.Description)
		}
	}
}

func TestRecordEachErrorType(t *testing.T) {
	mr := newMeterReader(t)
	for i, kind := range ErrorKinds() {
		for range i + 1 {
			mr.recorder.Record(context.Background(), Attempt{
				Duration: 200 * time.Millisecond, Failed: true, Kind: kind,
				Usage: Usage{InputTokens: 99, OutputTokens: 99, TotalTokens: 198, CachedInputTokens: 9, ReasoningTokens: 9}, // ignored on errors
			})
		}
	}
	got := mr.collect()
	for i, kind := range ErrorKinds() {
		want := map[string]string{m.LabelModel: testModel, m.LabelStatus: m.StatusError, m.LabelErrorType: kind.Label()}
		if v, ok := sumValue(t, got, m.RequestsTotal, want); !ok || v != int64(i+1) {
			t.Errorf("%s%v = %d (found %v), want %d", m.RequestsTotal, want, v, ok, i+1)
		}
	}
	if v, ok := sumValue(t, got, m.RequestsTotal, map[string]string{m.LabelModel: testModel, m.LabelStatus: m.StatusSuccess}); !ok || v != 0 {
		t.Errorf("success series = %d (found %v), want 0 (initialized, never counted)", v, ok)
	}
	dp, ok := histogramPoint(t, got, map[string]string{m.LabelModel: testModel, m.LabelStatus: m.StatusError})
	if !ok || dp.Count != 10 {
		t.Errorf("error duration count = %d (found %v), want 10 with labels model and status only", dp.Count, ok)
	}
	for _, tokenType := range m.TokenTypes() {
		if v, _ := sumValue(t, got, m.TokensTotal, map[string]string{m.LabelModel: testModel, m.LabelTokenType: tokenType}); v != 0 {
			t.Errorf("errors recorded %d %s tokens", v, tokenType)
		}
	}
	for _, name := range []string{m.RateLimitRequestsRemaining, m.RateLimitTokensLimit} {
		if _, ok := gaugeValue(t, got, name, map[string]string{m.LabelModel: testModel, m.LabelLimitType: m.LimitRequests}); ok {
			t.Errorf("%s set without headers", name)
		}
	}
}

func TestRecordRateLimitHeaders(t *testing.T) {
	reqLabels := map[string]string{m.LabelModel: testModel, m.LabelLimitType: m.LimitRequests}
	tokLabels := map[string]string{m.LabelModel: testModel, m.LabelLimitType: m.LimitTokens}
	mr := newMeterReader(t)
	// A 429 carries the headers too: they are recorded with the error.
	mr.recorder.Record(context.Background(), Attempt{Failed: true, Kind: KindRateLimited, RateLimits: ParseRateLimits(fullRateLimitHeader())})

	// Then a response whose headers are missing, malformed or negative: each
	// of those gauges keeps its value; the one good header updates its gauge.
	mr.recorder.Record(context.Background(), Attempt{RateLimits: ParseRateLimits(header(
		"x-ratelimit-limit-requests", "lots",
		"x-ratelimit-remaining-requests", "-1",
		"x-ratelimit-remaining-tokens", "1500000",
		"x-ratelimit-reset-requests", "soon",
		"x-ratelimit-reset-tokens", "-3s",
	))})
	got := mr.collect()
	for _, g := range []struct {
		name   string
		labels map[string]string
		want   float64
		why    string
	}{
		{m.RateLimitRequestsLimit, reqLabels, 10000, "malformed"},
		{m.RateLimitTokensLimit, tokLabels, 2000000, "missing"},
		{m.RateLimitRequestsRemaining, reqLabels, 9999, "negative"},
		{m.RateLimitTokensRemaining, tokLabels, 1500000, "updated"},
		{m.RateLimitRequestsResetSeconds, reqLabels, 0.006, "malformed"},
		{m.RateLimitTokensResetSeconds, tokLabels, 360, "negative"},
	} {
		if v, ok := gaugeValue(t, got, g.name, g.labels); !ok || v != g.want {
			t.Errorf("%s (%s header) = %v (found %v), want %v", g.name, g.why, v, ok, g.want)
		}
	}
}

func TestParseRateLimits(t *testing.T) {
	for _, tc := range []struct {
		header string
		raw    string
		want   Value
	}{
		{"x-ratelimit-remaining-requests", "42", Value{42, true}},
		{"x-ratelimit-remaining-requests", " 42 ", Value{42, true}},
		{"x-ratelimit-remaining-requests", "0", Value{0, true}},
		{"x-ratelimit-remaining-requests", "", Value{}},
		{"x-ratelimit-remaining-requests", "4.2", Value{}},
		{"x-ratelimit-remaining-requests", "-5", Value{}},
		{"x-ratelimit-reset-requests", "1s", Value{1, true}},
		{"x-ratelimit-reset-requests", "6m0s", Value{360, true}},
		{"x-ratelimit-reset-requests", "20ms", Value{0.02, true}},
		{"x-ratelimit-reset-requests", "1h2m3.5s", Value{3723.5, true}},
		{"x-ratelimit-reset-requests", "2.5", Value{2.5, true}},
		{"x-ratelimit-reset-requests", "NaN", Value{}},
		{"x-ratelimit-reset-requests", "-1s", Value{}},
		// Out of bounds: counts above 1e12, resets above 72 h.
		{"x-ratelimit-remaining-requests", "9223372036854775807", Value{}},
		{"x-ratelimit-remaining-requests", "99999999999999999999", Value{}},
		{"x-ratelimit-remaining-requests", "-99999999999999999999", Value{}},
		{"x-ratelimit-remaining-requests", "1000000000000", Value{1e12, true}},
		{"x-ratelimit-remaining-requests", "1000000000001", Value{}},
		{"x-ratelimit-reset-requests", "1e308", Value{}},
		{"x-ratelimit-reset-requests", "1e400", Value{}},
		{"x-ratelimit-reset-requests", "Inf", Value{}},
		{"x-ratelimit-reset-requests", "-Inf", Value{}},
		{"x-ratelimit-reset-requests", "72h", Value{259200, true}},
		{"x-ratelimit-reset-requests", "72h0m1s", Value{}},
		{"x-ratelimit-reset-requests", "259200", Value{259200, true}},
		{"x-ratelimit-reset-requests", "259201", Value{}},
		{"x-ratelimit-reset-requests", "2562047h47m16.854775807s", Value{}},
		{"x-ratelimit-reset-requests", "9999999999999h", Value{}},
	} {
		rl := ParseRateLimits(header(tc.header, tc.raw))
		got := rl.RemainingRequests
		if tc.header == "x-ratelimit-reset-requests" {
			got = rl.ResetRequests
		}
		wantIgnored := strings.TrimSpace(tc.raw) != "" && !tc.want.OK
		if got != tc.want || (rl.ignored != 0) != wantIgnored {
			t.Errorf("%s: %q → %+v (ignored %v), want %+v (ignored %v)", tc.header, tc.raw, got, rl.ignored != 0, tc.want, wantIgnored)
		}
	}
	if (ParseRateLimits(nil) != RateLimits{}) {
		t.Error("nil header gave values")
	}
}

func TestCountersStartAtZero(t *testing.T) {
	// Before any call, every requests and tokens series exists at 0: the
	// first error of a kind is then an increase that rate() sees.
	got := newMeterReader(t).collect()
	for _, errorType := range m.ErrorTypes() {
		want := map[string]string{m.LabelModel: testModel, m.LabelStatus: m.StatusError, m.LabelErrorType: errorType}
		if v, ok := sumValue(t, got, m.RequestsTotal, want); !ok || v != 0 {
			t.Errorf("%s%v = %d (found %v), want 0", m.RequestsTotal, want, v, ok)
		}
	}
	if v, ok := sumValue(t, got, m.RequestsTotal, map[string]string{m.LabelModel: testModel, m.LabelStatus: m.StatusCancelled, m.LabelStream: m.StreamTrue}); !ok || v != 0 {
		t.Errorf("streamed cancelled series = %d (found %v), want 0", v, ok)
	}
	if _, ok := sumValue(t, got, m.RequestsTotal, map[string]string{m.LabelModel: testModel, m.LabelStatus: m.StatusCancelled}); ok {
		t.Error("a cancelled series of calls not streamed, which none can have")
	}
	if n := len(got[m.RequestsTotal].Data.(metricdata.Sum[int64]).DataPoints); n != 11 {
		t.Errorf("%d requests series, want 11 (not streamed: success and 4 error types; streamed: those and cancelled)", n)
	}
	for _, tokenType := range m.TokenTypes() {
		want := map[string]string{m.LabelModel: testModel, m.LabelTokenType: tokenType}
		if v, ok := sumValue(t, got, m.TokensTotal, want); !ok || v != 0 {
			t.Errorf("%s%v = %d (found %v), want 0", m.TokensTotal, want, v, ok)
		}
	}
	if n, want := len(got[m.TokensTotal].Data.(metricdata.Sum[int64]).DataPoints), len(m.TokenTypes()); n != want {
		t.Errorf("%d token series, want %d, one per token type", n, want)
	}
}

// TestRecordTokenPartsAddUp: the cached and reasoning counts add up over
// calls like their wholes, and a call without them adds 0 to their series,
// which stay below their wholes.
func TestRecordTokenPartsAddUp(t *testing.T) {
	mr := newMeterReader(t)
	for _, u := range []Usage{
		{InputTokens: 1500, OutputTokens: 400, TotalTokens: 1900, CachedInputTokens: 1408, ReasoningTokens: 320},
		{InputTokens: 1100, OutputTokens: 50, TotalTokens: 1150, CachedInputTokens: 1024},
		{InputTokens: 80, OutputTokens: 20, TotalTokens: 100},
	} {
		mr.recorder.Record(context.Background(), Attempt{Duration: time.Second, Usage: u})
	}
	got := mr.collect()
	value := func(tokenType string) int64 {
		v, ok := sumValue(t, got, m.TokensTotal, map[string]string{m.LabelModel: testModel, m.LabelTokenType: tokenType})
		if !ok {
			t.Fatalf("no %s series", tokenType)
		}
		return v
	}
	for tokenType, want := range map[string]int64{
		m.TokenInput: 2680, m.TokenOutput: 470, m.TokenTotal: 3150, m.TokenCachedInput: 2432, m.TokenReasoning: 320,
	} {
		if v := value(tokenType); v != want {
			t.Errorf("tokens{%s} = %d, want %d", tokenType, v, want)
		}
	}
	for _, part := range []string{m.TokenCachedInput, m.TokenReasoning} {
		whole, _ := m.TokenPartOf(part)
		if value(part) > value(whole) {
			t.Errorf("tokens{%s} = %d exceeds tokens{%s} = %d", part, value(part), whole, value(whole))
		}
	}
}

func TestNilRecorderRecordsNothing(t *testing.T) {
	var r *Recorder
	r.Record(context.Background(), Attempt{}) // must not panic
}

func TestDurationExemplarCarriesTheSampledSpan(t *testing.T) {
	// The SDK's default exemplar filter, trace_based, is what production
	// runs with: offer a measurement when ctx holds a sampled span.
	t.Setenv("OTEL_METRICS_EXEMPLAR_FILTER", "")
	mr := newMeterReader(t)
	ctx, traceID, spanID := sampledSpanContext(t, context.Background())
	mr.recorder.Record(ctx, Attempt{Duration: 1500 * time.Millisecond, Usage: Usage{InputTokens: 1, OutputTokens: 1, TotalTokens: 2}})
	// A call without a span adds to the same point but brings no exemplar.
	mr.recorder.Record(context.Background(), Attempt{Duration: 20 * time.Second})

	dp, ok := histogramPoint(t, mr.collect(), map[string]string{m.LabelModel: testModel, m.LabelStatus: m.StatusSuccess})
	if !ok || dp.Count != 2 {
		t.Fatalf("duration point = %+v (found %v), want count 2", dp, ok)
	}
	if len(dp.Exemplars) != 1 {
		t.Fatalf("%d exemplars %+v, want 1: the traced call's", len(dp.Exemplars), dp.Exemplars)
	}
	ex := dp.Exemplars[0]
	if !bytes.Equal(ex.TraceID, traceID) || !bytes.Equal(ex.SpanID, spanID) {
		t.Errorf("exemplar trace %x span %x, want the span's %x %x", ex.TraceID, ex.SpanID, traceID, spanID)
	}
	if ex.Value != 1.5 {
		t.Errorf("exemplar value %v, want the traced call's 1.5 s", ex.Value)
	}
	if len(ex.FilteredAttributes) != 0 {
		t.Errorf("exemplar carries attributes %v: the point's labels are all there is", ex.FilteredAttributes)
	}
}

func TestNoExemplarWithoutASampledSpan(t *testing.T) {
	t.Setenv("OTEL_METRICS_EXEMPLAR_FILTER", "")
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	unsampled, span := tp.Tracer(instrumentationScope).Start(context.Background(), "chat "+testModel)
	defer span.End()
	if sc := span.SpanContext(); !sc.IsValid() || sc.IsSampled() {
		t.Fatal("the span is not a valid unsampled one")
	}
	for name, ctx := range map[string]context.Context{"no span": context.Background(), "unsampled span": unsampled} {
		mr := newMeterReader(t)
		for _, stream := range []bool{false, true} {
			mr.recorder.Record(ctx, Attempt{Duration: time.Second, Stream: stream, FirstToken: stream})
			mr.recorder.Record(ctx, Attempt{Duration: time.Second, Stream: stream, FirstToken: stream, Failed: true, Kind: KindProviderUnavailable})
		}
		mr.recorder.Record(ctx, Attempt{Duration: time.Second, Stream: true, FirstToken: true, Cancelled: true})
		got := mr.collect()
		for _, status := range m.Statuses() {
			streams := []string{m.StreamFalse, m.StreamTrue}
			if status == m.StatusCancelled {
				streams = streams[1:]
			}
			for _, stream := range streams {
				want := map[string]string{m.LabelModel: testModel, m.LabelStatus: status, m.LabelStream: stream}
				points := map[string]string{m.RequestDurationSeconds: stream}
				if stream == m.StreamTrue {
					points[m.TimeToFirstTokenSeconds] = stream
				}
				for histogram := range points {
					dp, ok := histogramPointOf(t, got, histogram, want)
					if !ok || dp.Count != 1 {
						t.Fatalf("%s: %s%v point = %+v (found %v), want count 1", name, histogram, want, dp, ok)
					}
					if len(dp.Exemplars) != 0 {
						t.Errorf("%s: %s%v point has exemplars %+v, want none", name, histogram, want, dp.Exemplars)
					}
				}
			}
		}
	}
}
