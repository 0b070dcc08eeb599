package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// BenchmarkServerMetrics is the cost the API's duration histogram adds to a
// request, around a handler that only writes its status. The noop
// sub-benchmark is the baseline: the same middleware with telemetry off.
func BenchmarkServerMetrics(b *testing.B) {
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	r := httptest.NewRequest(http.MethodPost, ChatPath, nil)
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{
		{"noop", serverMetricsHandler(noop.NewMeterProvider(), ok)},
		{"sdk", serverMetricsHandler(mp, ok)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			sw := &statusWriter{ResponseWriter: &discardWriter{header: http.Header{}}}
			b.ReportAllocs()
			for b.Loop() {
				sw.status = 0
				bc.h.ServeHTTP(sw, r)
			}
		})
	}
}
