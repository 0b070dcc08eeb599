package promexpr_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/promexpr"
)

// histogramCalls is one histogram's le="2" bucket and count of successful
// calls of a stream value, growing by fast and all per minute.
func histogramCalls(name, stream, le string, fast, all float64) []string {
	labels := fmt.Sprintf(`%s=%q,%s=%q,%s=%q`, m.LabelModel, "a", m.LabelStatus, m.StatusSuccess, m.LabelStream, stream)
	return []string{
		fmt.Sprintf(`%s{%s,%s=%q} 0+%gx30`, m.Bucket(name), labels, m.LabelBucket, le, fast),
		fmt.Sprintf(`%s{%s} 0+%gx30`, m.Count(name), labels, all),
	}
}

func TestSLIs(t *testing.T) {
	w := promexpr.Over(5 * time.Minute)
	latency := promexpr.LatencyErrorRatio(2)(promexpr.AllModels(), w)
	streamed := func(le string, fast, all float64) []string {
		return histogramCalls(m.TimeToFirstTokenSeconds, m.StreamTrue, le, fast, all)
	}
	plain := func(le string, fast, all float64) []string {
		return histogramCalls(m.RequestDurationSeconds, m.StreamFalse, le, fast, all)
	}
	tests := []struct {
		name, expr string
		series     []string
		want       float64
	}{
		{"availability: 6 failed in 100, cancelled aside", promexpr.AvailabilityErrorRatio(promexpr.AllModels(), w),
			[]string{requests("a", m.StatusSuccess, "0+94x30"), requests("a", m.StatusError, "0+6x30"), requests("a", m.StatusCancelled, "0+50x30")}, 0.06},
		{"availability: successes only read 0", promexpr.AvailabilityErrorRatio(promexpr.AllModels(), w),
			[]string{requests("a", m.StatusSuccess, "0+94x30")}, 0},
		// 30 of 40 streams start within 2s, 50 of 60 plain calls end
		// within it: 20 slow in 100.
		{"latency: streams by first token, plain calls by duration", latency,
			append(streamed("2", 30, 40), plain("2", 50, 60)...), 0.2},
		{"latency: streams only", latency, streamed("2", 30, 40), 0.25},
		{"latency: plain calls only, le written 2.0", latency, plain("2.0", 50, 60), 1.0 / 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := evaluate(t, tt.expr, tt.series...)
			if len(v) != 1 || math.Abs(v[0].F-tt.want) > 1e-9 {
				t.Fatalf("%v, want %g", v, tt.want)
			}
		})
	}
	burn := evaluate(t, promexpr.BurnRate(promexpr.AvailabilityErrorRatio, 0.01, promexpr.AllModels(), w),
		requests("a", m.StatusSuccess, "0+94x30"), requests("a", m.StatusError, "0+6x30"))
	if len(burn) != 1 || math.Abs(burn[0].F-6) > 1e-9 {
		t.Errorf("burn rate of 6 %% errors against a 1 %% budget = %v, want 6", burn)
	}
}
