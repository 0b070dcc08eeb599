package openaiprovider

import (
	"context"
	"io"
	"log/slog"
	"math"
	"net/http"
	"testing"
	"time"

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
