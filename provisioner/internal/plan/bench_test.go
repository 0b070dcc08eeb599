package plan

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// benchLatency is added to every request of the fake, so that concurrency
// shows as it would against a real Grafana.
const benchLatency = time.Millisecond

// The benchmark set: 200 dashboards and 20 rule groups of 5 rules.
const (
	benchDashboards = 200
	benchGroups     = 20
	benchRules      = 5
)

var benchConcurrency = []int{1, 4, 8}

// BenchmarkPlan plans the set against a Grafana that already holds it
// (every resource read, none to change).
func BenchmarkPlan(b *testing.B) {
	want := synthetic(b, benchDashboards, benchGroups, benchRules)
	for _, n := range benchConcurrency {
		b.Run(fmt.Sprintf("concurrency=%d", n), func(b *testing.B) {
			_, c := newFake(b, benchLatency)
			opts := Options{Concurrency: n}
			planAndApply(b, c, want, opts)
			b.ResetTimer()
			for b.Loop() {
				p, err := Build(context.Background(), c, want, opts, nil)
				if err != nil || p.HasChanges() {
					b.Fatalf("plan: %v, changes %v", err, p.HasChanges())
				}
			}
		})
	}
}

// BenchmarkApply applies the set to an empty Grafana (every resource
// created).
func BenchmarkApply(b *testing.B) {
	want := synthetic(b, benchDashboards, benchGroups, benchRules)
	for _, n := range benchConcurrency {
		b.Run(fmt.Sprintf("concurrency=%d", n), func(b *testing.B) {
			opts := Options{Concurrency: n}
			for b.Loop() {
				b.StopTimer()
				_, c := newFake(b, benchLatency)
				b.StartTimer()
				_, sum := planAndApply(b, c, want, opts)
				if sum.Created != 1+3+benchDashboards+benchGroups {
					b.Fatalf("apply: %s", sum)
				}
			}
		})
	}
}

// BenchmarkNoopApply applies the set to a Grafana that holds it: it must
// write nothing.
func BenchmarkNoopApply(b *testing.B) {
	want := synthetic(b, benchDashboards, benchGroups, benchRules)
	for _, n := range benchConcurrency {
		b.Run(fmt.Sprintf("concurrency=%d", n), func(b *testing.B) {
			fake, c := newFake(b, benchLatency)
			opts := Options{Concurrency: n}
			planAndApply(b, c, want, opts)
			fake.ResetCounters()
			b.ResetTimer()
			for b.Loop() {
				planAndApply(b, c, want, opts)
			}
			b.StopTimer()
			if w := fake.TotalWrites(); w != 0 {
				b.Fatalf("a no-op apply wrote: %s", fake.WriteSummary())
			}
		})
	}
}
