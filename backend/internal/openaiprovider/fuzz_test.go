package openaiprovider

import (
	"context"
	"io"
	"log/slog"
	"math"
	"net/http"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/scanium/openai-monitoring/backend/config"
	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// FuzzParseRateLimits: whatever the six x-ratelimit-* headers hold, parsing
// does not panic, every value present is finite, not negative and within its
// bound, and what the gauges export is exactly that value (an int gauge
// never overflows). Seeds: testdata/fuzz/FuzzParseRateLimits.
func FuzzParseRateLimits(f *testing.F) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	f.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	rec, err := NewRecorder(mp, testModel)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, limitRequests, limitTokens, remainingRequests, remainingTokens, resetRequests, resetTokens string) {
		h := http.Header{}
		for i, v := range [...]string{limitRequests, limitTokens, remainingRequests, remainingTokens, resetRequests, resetTokens} {
			h[rateLimitHeaders[i].key] = []string{v}
		}
		rl := ParseRateLimits(h)
		values := [...]Value{rl.LimitRequests, rl.LimitTokens, rl.RemainingRequests, rl.RemainingTokens, rl.ResetRequests, rl.ResetTokens}
		for i, v := range values {
			bound := float64(maxRateLimitCount)
			if i >= 4 {
				bound = maxRateLimitResetSeconds
			}
			switch {
			case !v.OK && v.V != 0:
				t.Errorf("%s: absent value %v", rateLimitHeaders[i].key, v.V)
			case v.OK && (math.IsNaN(v.V) || v.V < 0 || v.V > bound):
				t.Errorf("%s: %q → %v, out of [0, %v]", rateLimitHeaders[i].key, h[rateLimitHeaders[i].key][0], v.V, bound)
			case v.OK && i < 4 && v.V != math.Trunc(v.V):
				t.Errorf("%s: count %v is not whole", rateLimitHeaders[i].key, v.V)
			}
		}

		rec.Record(context.Background(), Attempt{RateLimits: rl})
		var rm metricdata.ResourceMetrics
		if err := reader.Collect(context.Background(), &rm); err != nil {
			t.Fatal(err)
		}
		got := map[string]metricdata.Metrics{}
		for _, sm := range rm.ScopeMetrics {
			for _, metric := range sm.Metrics {
				got[metric.Name] = metric
			}
		}
		for gauge, name := range gaugeNames {
			field := fieldOfGauge[gauge]
			limitType := m.LimitRequests
			if gaugeLimitType[gauge] == 1 {
				limitType = m.LimitTokens
			}
			exported, ok := gaugeValue(t, got, name, map[string]string{m.LabelModel: testModel, m.LabelLimitType: limitType})
			if ok && (exported < 0 || exported > gaugeBound[gauge]) {
				t.Errorf("%s exported %v, out of [0, %v]", name, exported, gaugeBound[gauge])
			}
			if values[field].OK && (!ok || exported != values[field].V) {
				t.Errorf("%s exported %v (set %v), want %v", name, exported, ok, values[field].V)
			}
		}
	})
}

// fieldOfGauge maps a gauge to its header's index in rateLimitHeaders.
var fieldOfGauge = [gaugeCount]int{
	gaugeLimitRequests: 0, gaugeLimitTokens: 1, gaugeRemainingRequests: 2,
	gaugeRemainingTokens: 3, gaugeResetRequests: 4, gaugeResetTokens: 5,
}

// FuzzRetryAfter: whatever retry-after-ms and Retry-After hold, reading the
// wait does not panic and gives a wait in [0, maxRetryAfter], the log line
// of an ignored value included. Seeds: testdata/fuzz/FuzzRetryAfter.
func FuzzRetryAfter(f *testing.F) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	logger := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug}))
	u := newUntrustedValues(logger, config.Secret(testKey))
	f.Fuzz(func(t *testing.T, retryAfterMs, retryAfterSeconds string) {
		h := http.Header{headerRetryAfterMs: {retryAfterMs}, headerRetryAfter: {retryAfterSeconds}}
		if d := retryAfter(h, now); d < 0 || d > maxRetryAfter {
			t.Errorf("retry-after-ms %q, retry-after %q → %v, out of [0, %v]", retryAfterMs, retryAfterSeconds, d, maxRetryAfter)
		}
		if d := u.retryAfter(context.Background(), h, now); d < 0 || d > maxRetryAfter {
			t.Errorf("logged reading → %v, out of [0, %v]", d, maxRetryAfter)
		}
	})
}

// FuzzUsage: whatever counts an answer's usage holds, every count read is
// within [0, maxUsageTokens], a part never exceeds its whole, and counts
// that are plausible and consistent are kept as sent.
func FuzzUsage(f *testing.F) {
	f.Add(int64(1500), int64(300), int64(1800), int64(1408), int64(240), true)
	f.Add(int64(1200), int64(100), int64(1300), int64(2048), int64(101), true)
	f.Add(int64(-1), int64(math.MaxInt64), int64(0), int64(1), int64(-7), true)
	f.Add(int64(12), int64(4), int64(16), int64(0), int64(0), false)
	u := newUntrustedValues(nil, config.Secret(testKey))
	f.Fuzz(func(t *testing.T, prompt, completion, total, cached, reasoning int64, details bool) {
		in := openai.Usage{PromptTokens: int(prompt), CompletionTokens: int(completion), TotalTokens: int(total)}
		if details {
			in.PromptTokensDetails = &openai.PromptTokensDetails{CachedTokens: int(cached)}
			in.CompletionTokensDetails = &openai.CompletionTokensDetails{ReasoningTokens: int(reasoning)}
		}
		got := u.usage(context.Background(), in)
		for name, v := range map[string]int64{"input": got.InputTokens, "output": got.OutputTokens, "total": got.TotalTokens,
			"cached": got.CachedInputTokens, "reasoning": got.ReasoningTokens} {
			if v < 0 || v > maxUsageTokens {
				t.Errorf("%s = %d, out of [0, %d]", name, v, maxUsageTokens)
			}
		}
		if got.CachedInputTokens > got.InputTokens || got.ReasoningTokens > got.OutputTokens {
			t.Errorf("usage %+v: a part exceeds its whole", got)
		}
		plausible := func(n int) bool { return n >= 0 && n <= maxUsageTokens }
		if details && plausible(in.PromptTokens) && plausible(int(cached)) && int(cached) <= in.PromptTokens &&
			(got.InputTokens != int64(in.PromptTokens) || got.CachedInputTokens != int64(int(cached))) {
			t.Errorf("consistent prompt %d cached %d read as %+v", in.PromptTokens, int(cached), got)
		}
		if details && plausible(in.CompletionTokens) && plausible(int(reasoning)) && int(reasoning) <= in.CompletionTokens &&
			(got.OutputTokens != int64(in.CompletionTokens) || got.ReasoningTokens != int64(int(reasoning))) {
			t.Errorf("consistent completion %d reasoning %d read as %+v", in.CompletionTokens, int(reasoning), got)
		}
	})
}
