package openaiprovider

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// streamedAttempt is a typical streamed call: a first chunk after 400 ms, the
// stream's end after 2 s, the usage of its last chunk and every rate-limit
// header.
func streamedAttempt() Attempt {
	a := successAttempt()
	a.Duration, a.Stream = 2*time.Second, true
	a.TimeToFirstToken, a.FirstToken = 400*time.Millisecond, true
	return a
}

// TestRecordStreamedAttempts: the stream label tells streamed calls from
// the others on the requests counter and the duration histogram; the
// first-token histogram has streamed attempts that got a first chunk only,
// with their final status; a cancelled attempt is no error and counts the
// usage that arrived, and so does a streamed attempt that failed after its
// usage chunk, unlike a failed call that is not streamed.
func TestRecordStreamedAttempts(t *testing.T) {
	mr := newMeterReader(t)
	ctx := context.Background()
	usage := Usage{InputTokens: 100, OutputTokens: 20, TotalTokens: 120, CachedInputTokens: 0, ReasoningTokens: 5}
	mr.recorder.Record(ctx, Attempt{Duration: time.Second, Usage: usage})                         // not streamed
	mr.recorder.Record(ctx, Attempt{Duration: time.Second, Failed: true, Kind: KindProviderError, // not streamed, failed
		Usage: usage})
	mr.recorder.Record(ctx, Attempt{Duration: 3 * time.Second, Stream: true, Usage: usage,
		TimeToFirstToken: 500 * time.Millisecond, FirstToken: true})
	mr.recorder.Record(ctx, Attempt{Duration: 2 * time.Second, Stream: true, Cancelled: true, Usage: usage,
		TimeToFirstToken: 250 * time.Millisecond, FirstToken: true})
	mr.recorder.Record(ctx, Attempt{Duration: 4 * time.Second, Stream: true, Failed: true, Kind: KindProviderError,
		TimeToFirstToken: 1500 * time.Millisecond, FirstToken: true, Usage: usage})
	mr.recorder.Record(ctx, Attempt{Duration: 100 * time.Millisecond, Stream: true, Failed: true, Kind: KindRateLimited}) // no chunk
	got := mr.collect()

	for _, tc := range []struct {
		labels map[string]string
		want   int64
	}{
		{map[string]string{m.LabelStatus: m.StatusSuccess, m.LabelStream: m.StreamFalse}, 1},
		{map[string]string{m.LabelStatus: m.StatusError, m.LabelErrorType: m.ErrorProviderError, m.LabelStream: m.StreamFalse}, 1},
		{map[string]string{m.LabelStatus: m.StatusSuccess, m.LabelStream: m.StreamTrue}, 1},
		{map[string]string{m.LabelStatus: m.StatusCancelled, m.LabelStream: m.StreamTrue}, 1},
		{map[string]string{m.LabelStatus: m.StatusError, m.LabelErrorType: m.ErrorProviderError, m.LabelStream: m.StreamTrue}, 1},
		{map[string]string{m.LabelStatus: m.StatusError, m.LabelErrorType: m.ErrorRateLimited, m.LabelStream: m.StreamTrue}, 1},
		{map[string]string{m.LabelStatus: m.StatusError, m.LabelErrorType: m.ErrorRateLimited, m.LabelStream: m.StreamFalse}, 0},
	} {
		tc.labels[m.LabelModel] = testModel
		if v, ok := sumValue(t, got, m.RequestsTotal, tc.labels); !ok || v != tc.want {
			t.Errorf("%s%v = %d (found %v), want %d", m.RequestsTotal, tc.labels, v, ok, tc.want)
		}
	}
	for _, tc := range []struct {
		status, stream string
		count          uint64
		sum            float64
	}{
		{m.StatusSuccess, m.StreamFalse, 1, 1},
		{m.StatusError, m.StreamFalse, 1, 1},
		{m.StatusSuccess, m.StreamTrue, 1, 3},
		{m.StatusCancelled, m.StreamTrue, 1, 2},
		{m.StatusError, m.StreamTrue, 2, 4.1},
	} {
		want := map[string]string{m.LabelModel: testModel, m.LabelStatus: tc.status, m.LabelStream: tc.stream}
		if dp, ok := histogramPoint(t, got, want); !ok || dp.Count != tc.count || dp.Sum != tc.sum {
			t.Errorf("%s%v: count %d sum %v (found %v), want %d %v", m.RequestDurationSeconds, want, dp.Count, dp.Sum, ok, tc.count, tc.sum)
		}
	}

	// The first-token histogram: one point per status, all streamed; the
	// 429 that never streamed has none.
	h := got[m.TimeToFirstTokenSeconds]
	if h.Unit != "s" {
		t.Errorf("%s unit %q", m.TimeToFirstTokenSeconds, h.Unit)
	}
	for _, tc := range []struct {
		status string
		sum    float64
	}{{m.StatusSuccess, 0.5}, {m.StatusCancelled, 0.25}, {m.StatusError, 1.5}} {
		want := map[string]string{m.LabelModel: testModel, m.LabelStatus: tc.status, m.LabelStream: m.StreamTrue}
		dp, ok := histogramPointOf(t, got, m.TimeToFirstTokenSeconds, want)
		if !ok || dp.Count != 1 || dp.Sum != tc.sum {
			t.Errorf("%s%v: count %d sum %v (found %v), want 1 %v", m.TimeToFirstTokenSeconds, want, dp.Count, dp.Sum, ok, tc.sum)
		}
		if !slices.Equal(dp.Bounds, m.FirstTokenBuckets()) {
			t.Errorf("first-token bounds %v, want the contract's %v", dp.Bounds, m.FirstTokenBuckets())
		}
	}
	for _, status := range m.Statuses() {
		want := map[string]string{m.LabelModel: testModel, m.LabelStatus: status, m.LabelStream: m.StreamFalse}
		if _, ok := histogramPointOf(t, got, m.TimeToFirstTokenSeconds, want); ok {
			t.Errorf("%s%v: a call not streamed has no first token", m.TimeToFirstTokenSeconds, want)
		}
	}

	// Tokens: the success not streamed, the streamed success, the
	// cancelled attempt and the streamed failure after its usage chunk;
	// not the failed call that was not streamed.
	for tokenType, per := range map[string]int64{
		m.TokenInput: usage.InputTokens, m.TokenOutput: usage.OutputTokens, m.TokenTotal: usage.TotalTokens,
		m.TokenCachedInput: usage.CachedInputTokens, m.TokenReasoning: usage.ReasoningTokens,
	} {
		if v, ok := sumValue(t, got, m.TokensTotal, map[string]string{m.LabelModel: testModel, m.LabelTokenType: tokenType}); !ok || v != 4*per {
			t.Errorf("tokens{%s} = %d (found %v), want %d", tokenType, v, ok, 4*per)
		}
	}
}

// TestFirstTokenExemplarCarriesTheSampledSpan: the attempt's span is the
// exemplar of the first-token histogram too.
func TestFirstTokenExemplarCarriesTheSampledSpan(t *testing.T) {
	t.Setenv("OTEL_METRICS_EXEMPLAR_FILTER", "")
	mr := newMeterReader(t)
	ctx, traceID, spanID := sampledSpanContext(t, context.Background())
	mr.recorder.Record(ctx, streamedAttempt())
	mr.recorder.Record(context.Background(), streamedAttempt())
	want := map[string]string{m.LabelModel: testModel, m.LabelStatus: m.StatusSuccess, m.LabelStream: m.StreamTrue}
	dp, ok := histogramPointOf(t, mr.collect(), m.TimeToFirstTokenSeconds, want)
	if !ok || dp.Count != 2 {
		t.Fatalf("first-token point %+v (found %v), want count 2", dp, ok)
	}
	if len(dp.Exemplars) != 1 {
		t.Fatalf("%d exemplars, want 1: the traced attempt's", len(dp.Exemplars))
	}
	ex := dp.Exemplars[0]
	if !bytes.Equal(ex.TraceID, traceID) || !bytes.Equal(ex.SpanID, spanID) || ex.Value != 0.4 {
		t.Errorf("exemplar trace %x span %x value %v, want %x %x 0.4", ex.TraceID, ex.SpanID, ex.Value, traceID, spanID)
	}
}

// TestRecordStreamedAllocations: a streamed attempt, with its first-token
// measurement, allocates nothing either, whatever its status.
func TestRecordStreamedAllocations(t *testing.T) {
	rec := sdkRecorder(t)
	spanCtx, _, _ := sampledSpanContext(t, context.Background())
	cancelled, failed := streamedAttempt(), streamedAttempt()
	cancelled.Cancelled, failed.Failed, failed.Kind = true, true, KindProviderError
	for _, ctx := range []context.Context{context.Background(), spanCtx} {
		for _, a := range []Attempt{streamedAttempt(), cancelled, failed} {
			rec.Record(ctx, a)
			if n := testing.AllocsPerRun(1000, func() { rec.Record(ctx, a) }); n > 0 {
				t.Errorf("Record(streamed, cancelled %v, failed %v %v, sampled span %v) allocates %.1f times per call, budget 0",
					a.Cancelled, a.Failed, a.Kind, ctx != context.Background(), n)
			}
		}
	}
}
