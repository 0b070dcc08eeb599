package openaisim

import (
	"context"
	"slices"
	"testing"
	"time"
)

func TestLatencyIsLogNormalAroundTheMedian(t *testing.T) {
	const median, p99 = 800 * time.Millisecond, 4 * time.Second
	m := newLatencyModel(1, Latency{Median: median, P99: p99})
	samples := make([]time.Duration, 20_000)
	for i := range samples {
		samples[i] = m.sample()
	}
	slices.Sort(samples)
	quantile := func(q float64) time.Duration { return samples[int(q*float64(len(samples)-1))] }
	within := func(got, want time.Duration, tolerance float64) bool {
		return float64(got) >= float64(want)*(1-tolerance) && float64(got) <= float64(want)*(1+tolerance)
	}
	if got := quantile(0.5); !within(got, median, 0.05) {
		t.Errorf("median of 20000 draws = %s, want %s ± 5%%", got, median)
	}
	if got := quantile(0.99); !within(got, p99, 0.15) {
		t.Errorf("p99 of 20000 draws = %s, want %s ± 15%%", got, p99)
	}
	if samples[0] <= 0 {
		t.Errorf("a draw was %s, want every latency positive", samples[0])
	}
}

func TestLatencyIsReproducibleFromTheSeed(t *testing.T) {
	l := Latency{Median: time.Second, P99: 5 * time.Second}
	a, b, c := newLatencyModel(3, l), newLatencyModel(3, l), newLatencyModel(4, l)
	same, differ := true, false
	for range 100 {
		x, y, z := a.sample(), b.sample(), c.sample()
		same = same && x == y
		differ = differ || x != z
	}
	if !same || !differ {
		t.Errorf("same seed, same draws: %v; other seed, other draws: %v; want both", same, differ)
	}
}

func TestLatencyWithoutTailOrMedian(t *testing.T) {
	if d := newLatencyModel(1, Latency{}).sample(); d != 0 {
		t.Errorf("zero latency drew %s", d)
	}
	if d := newLatencyModel(1, Latency{Median: 30 * time.Millisecond}).sample(); d != 30*time.Millisecond {
		t.Errorf("a median without p99 drew %s, want exactly the median", d)
	}
}

func TestSleepEndsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if sleep(ctx, time.Hour) {
		t.Error("sleep on a cancelled context reported that the hour passed")
	}
	if !sleep(context.Background(), 0) {
		t.Error("a zero sleep reported cancellation")
	}
}
