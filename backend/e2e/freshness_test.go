package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	backendconfig "github.com/scanium/openai-monitoring/backend/config"
	"github.com/scanium/openai-monitoring/backend/internal/livetest"
	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// deliveryBound is how long a request's sample may take to be queryable
// before the test calls it lost. It is no speed target: the default export
// interval makes the real figure a few seconds, logged by the test.
const deliveryBound = 60 * time.Second

// freshnessRounds is how many requests the test follows, one after the
// other, so that they fall at different points of the export interval.
const freshnessRounds = 3

// TestRequestIsQueryableAtTheDefaultExportInterval follows requests from
// the backend's answer to the first query that counts them, with the
// backend's default export interval (OTEL_METRIC_EXPORT_INTERVAL unset).
// Prometheus takes the export directly: Alloy's batch and remote_write
// waits, which the alloy package's tests add to this, are not in the path.
func TestRequestIsQueryableAtTheDefaultExportInterval(t *testing.T) {
	s := startStack(t, withBackendDefault("OTEL_METRIC_EXPORT_INTERVAL"))

	expr := fmt.Sprintf(`sum(%s{%s="%s", %s="%s", instance="%s"})`,
		m.RequestsTotal, m.LabelModel, model, m.LabelStatus, m.StatusSuccess, hostName)
	var total time.Duration
	for round := 1; round <= freshnessRounds; round++ {
		resp := s.post(t, question)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("round %d: status %d, want 200", round, resp.StatusCode)
		}
		took, err := waitForCount(s.prom, expr, float64(round), deliveryBound)
		if err != nil {
			t.Fatalf("round %d: the request was not delivered: %v\n%s", round, err, s.backend.Output())
		}
		total += took
		t.Logf("round %d: queryable %s after the answer (export interval %s)", round, took.Round(10*time.Millisecond), backendconfig.DefaultExportInterval)
		// The next request starts at another point of the interval.
		if round < freshnessRounds {
			time.Sleep(time.Duration(round) * backendconfig.DefaultExportInterval / (freshnessRounds + 1))
		}
	}
	t.Logf("mean %s over %d requests", (total / freshnessRounds).Round(10*time.Millisecond), freshnessRounds)
	s.shutdown(t)
}

// waitForCount polls expr until it is at least want, and returns how long
// that took; an error when bound passes first.
func waitForCount(p *livetest.Prometheus, expr string, want float64, bound time.Duration) (time.Duration, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	last := "no series"
	for {
		samples, err := p.Query(ctx, expr)
		switch {
		case err != nil && ctx.Err() == nil:
			return 0, fmt.Errorf("%s: %w", expr, err)
		case len(samples) == 1 && samples[0].Value >= want:
			return time.Since(start), nil
		case len(samples) == 1:
			last = strconv.FormatFloat(samples[0].Value, 'g', -1, 64)
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("%s is %s after %s, want at least %v", expr, last, bound, want)
		case <-tick.C:
		}
	}
}
