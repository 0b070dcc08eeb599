package openaiprovider

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// successAttempt is a typical successful call: usage and every rate-limit
// header, so every instrument records.
func successAttempt() Attempt {
	return Attempt{
		Duration:   850 * time.Millisecond,
		Usage:      Usage{InputTokens: 120, OutputTokens: 30, TotalTokens: 150},
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

// TestRecordAllocations holds the hot path to its allocation budget: at
// most 2 per call, whatever the outcome.
func TestRecordAllocations(t *testing.T) {
	rec := sdkRecorder(t)
	ctx := context.Background()
	for _, a := range []Attempt{successAttempt(), {Duration: time.Second, ErrorType: m.ErrorRateLimited, RateLimits: successAttempt().RateLimits}} {
		rec.Record(ctx, a) // first use creates the series
		if n := testing.AllocsPerRun(1000, func() { rec.Record(ctx, a) }); n > 2 {
			t.Errorf("Record(%q) allocates %.1f times per call, budget 2", a.ErrorType, n)
		}
	}
}

// BenchmarkRecordAttempt is the cost of recording one OpenAI call's metrics
// (a request, its duration, three token counts, six rate-limit gauges) on
// the hot path. The noop sub-benchmark is the baseline: the same call with
// telemetry off. Target: sdk at most 1 µs and 2 allocs per op.
func BenchmarkRecordAttempt(b *testing.B) {
	ctx := context.Background()
	a := successAttempt()
	noopRec, err := NewRecorder(noop.NewMeterProvider(), testModel)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		rec  *Recorder
	}{{"noop", noopRec}, {"sdk", sdkRecorder(b)}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bc.rec.Record(ctx, a)
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
