package openaisim

import (
	"context"
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// z99 is the standard normal quantile of 0.99.
const z99 = 2.3263478740408408

// maxDeviations bounds a draw at five standard deviations (odds below one in
// a million), so that no sample is absurd.
const maxDeviations = 5

// latencyModel draws times to first token from a log-normal distribution
// with the configured median and 99th percentile, and knows the pace of
// each model.
type latencyModel struct {
	mu     sync.Mutex
	rng    *rand.Rand
	median float64
	sigma  float64
	pace   Pace
}

func newLatencyModel(seed uint64, l Latency) *latencyModel {
	m := &latencyModel{rng: newRand(seed, streamLatency)}
	m.set(l)
	return m
}

// set replaces the distribution; l must be valid.
func (m *latencyModel) set(l Latency) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.median = float64(l.Median)
	m.pace = l.Pace.clone()
	m.sigma = 0
	if l.Median > 0 && l.P99 > l.Median {
		m.sigma = math.Log(float64(l.P99)/float64(l.Median)) / z99
	}
}

// perToken is the time model takes per token it generates.
func (m *latencyModel) perToken(model string) time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pace.perToken(model)
}

// sample draws one time to first token, reasoning excluded.
func (m *latencyModel) sample() time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.median == 0 {
		return 0
	}
	if m.sigma == 0 {
		return time.Duration(m.median)
	}
	z := max(-maxDeviations, min(maxDeviations, m.rng.NormFloat64()))
	d := m.median * math.Exp(m.sigma*z)
	if d >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(d)
}

// sleep waits for d on the server's clock (Config.Sleep), or until ctx is
// done; it reports whether d passed.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	return s.sleeper(ctx, d)
}

// sleep waits for d on real timers, or until ctx is done; it reports
// whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}
