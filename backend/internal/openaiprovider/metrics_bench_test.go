package openaiprovider

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// successAttempt is a typical successful call: usage with cached and
// reasoning tokens and every rate-limit header, so every instrument and
// every token type records.
func successAttempt() Attempt {
	return Attempt{
		Duration:   850 * time.Millisecond,
		Usage:      Usage{InputTokens: 1500, OutputTokens: 300, TotalTokens: 1800, CachedInputTokens: 1408, ReasoningTokens: 240},
		RateLimits: ParseRateLimits(fullRateLimitHeader()),
	}
}

func sdkRecorder(tb testing.TB) *Recorder {
	tb.Helper()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	tb.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	rec, err := NewRecorder(mp, testModel)
	if err != nil {
		tb.Fatal(err)
	}
	return rec
}

// sampledSpanContext returns ctx with a sampled span of an SDK tracer that
// exports nothing, what Record gets when the attempt is traced, and the
// span's trace and span ids. The span ends at cleanup.
func sampledSpanContext(tb testing.TB, ctx context.Context) (spanCtx context.Context, traceID, spanID []byte) {
	tb.Helper()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	tb.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	spanCtx, span := tp.Tracer(instrumentationScope).Start(ctx, "chat "+testModel)
	tb.Cleanup(func() { span.End() })
	sc := span.SpanContext()
	if !sc.IsSampled() {
		tb.Fatal("the span is not sampled")
	}
	tid, sid := sc.TraceID(), sc.SpanID()
	return spanCtx, tid[:], sid[:]
}

// TestRecordAllocations holds the hot path to its allocation budget: none,
// whatever the outcome, with or without a sampled span (an exemplar).
func TestRecordAllocations(t *testing.T) {
	rec := sdkRecorder(t)
	spanCtx, _, _ := sampledSpanContext(t, context.Background())
	for _, ctx := range []context.Context{context.Background(), spanCtx} {
		for _, a := range []Attempt{successAttempt(), {Duration: time.Second, Failed: true, Kind: KindRateLimited, RateLimits: successAttempt().RateLimits}} {
			rec.Record(ctx, a) // first use creates the series
			if n := testing.AllocsPerRun(1000, func() { rec.Record(ctx, a) }); n > 0 {
				t.Errorf("Record(failed %v %v, sampled span %v) allocates %.1f times per call, budget 0",
					a.Failed, a.Kind, ctx != context.Background(), n)
			}
		}
	}
}

// BenchmarkRecordAttempt is the cost of recording one OpenAI call's metrics
// (a request, its duration, five token counts, six rate-limit gauges) on
// the hot path; the stream sub-benchmarks record a streamed call, which
// adds the time to its first token. The noop sub-benchmarks are the same
// calls with telemetry off. Target: 0 allocs per op in every case; the
// time is dominated by the SDK's histogram measurements, which
// BenchmarkRecordOverSDK holds Record to.
func BenchmarkRecordAttempt(b *testing.B) {
	ctx := context.Background()
	spanCtx, _, _ := sampledSpanContext(b, ctx)
	a := successAttempt()
	noopRec, err := NewRecorder(noop.NewMeterProvider(), testModel)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		rec  *Recorder
		ctx  context.Context
	}{
		{"noop", noopRec, ctx},
		{"sdk", sdkRecorder(b), ctx},
		{"sdk-sampled-span", sdkRecorder(b), spanCtx},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bc.rec.Record(bc.ctx, a)
			}
		})
	}
	streamed := streamedAttempt()
	for _, bc := range []struct {
		name string
		rec  *Recorder
		ctx  context.Context
	}{
		{"noop-stream", noopRec, ctx},
		{"sdk-stream", sdkRecorder(b), ctx},
		{"sdk-stream-sampled-span", sdkRecorder(b), spanCtx},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bc.rec.Record(bc.ctx, streamed)
			}
		})
	}
	b.Run("sdk-parallel", func(b *testing.B) {
		rec := sdkRecorder(b)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				rec.Record(ctx, a)
			}
		})
	})
}

// BenchmarkRecordOverSDK holds Record to the SDK measurements it cannot
// avoid: each call records its duration in an SDK histogram, and a
// streamed call that got a first chunk its time to first token in a
// second one; everything else is an atomic cell the collection reads. The
// baseline is those histogram measurements alone, made directly on the
// same kind of SDK instruments with the same precomputed attribute sets, in
// ABBA rounds of the same run. It reports Record's time as a percentage of
// the baseline's, plain and streamed. Target: at most 125 %, that is, the
// counters, token counts and gauges cost at most a quarter of what the SDK
// takes to measure the histograms.
func BenchmarkRecordOverSDK(b *testing.B) {
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		a    Attempt
	}{
		{"plain", successAttempt()},
		{"stream", streamedAttempt()},
	} {
		b.Run(bc.name, func(b *testing.B) {
			rec := sdkRecorder(b)
			bare := sdkRecorder(b) // its histograms only, measured directly
			si, st := streamIndex(bc.a.Stream), outcomeOf(&bc.a).status()
			durationOpts, firstTokenOpts := bare.durationOpts[si][st], bare.firstTokenOpts[st]
			duration, firstToken := bc.a.Duration.Seconds(), bc.a.TimeToFirstToken.Seconds()
			measureOnly := func() {
				bare.duration.Record(ctx, duration, durationOpts...)
				if bc.a.Stream && bc.a.FirstToken {
					bare.firstToken.Record(ctx, firstToken, firstTokenOpts...)
				}
			}
			const round = 1000
			timeRound := func(f func()) time.Duration {
				start := time.Now()
				for range round {
					f()
				}
				return time.Since(start)
			}
			record := func() { rec.Record(ctx, bc.a) }
			timeRound(record) // create the series
			timeRound(measureOnly)
			var recTime, sdkTime time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				recTime += timeRound(record)
				sdkTime += timeRound(measureOnly)
				sdkTime += timeRound(measureOnly)
				recTime += timeRound(record)
			}
			b.ReportMetric(100*recTime.Seconds()/sdkTime.Seconds(), "record-%-of-sdk-histograms")
			b.ReportMetric(float64(sdkTime.Nanoseconds())/float64(2*b.N*round), "sdk-histograms-ns")
		})
	}
}
