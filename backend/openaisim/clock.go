package openaisim

import (
	"context"
	"slices"
	"sync"
	"time"
)

// ManualClock is a clock that moves only when told, for Config.Now in
// tests that cross rate-limit windows, and for Config.Sleep in tests that
// follow the latency's schedule. It is safe for concurrent use.
type ManualClock struct {
	mu       sync.Mutex
	now      time.Time
	sleepers []*sleeper
}

// NewManualClock returns a clock that reads start until advanced.
func NewManualClock(start time.Time) *ManualClock {
	return &ManualClock{now: start}
}

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d, and wakes the Sleeps it ends.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.sleepers = slices.DeleteFunc(c.sleepers, func(s *sleeper) bool {
		if c.now.Before(s.until) {
			return false
		}
		close(s.wake)
		return true
	})
}

// Sleep waits until the clock has been advanced by d, or until ctx is done;
// it reports whether d passed. With Config.Now, it is the Config.Sleep of a
// test that drives the simulator's schedule without waiting: see Sleeping.
func (c *ManualClock) Sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	c.mu.Lock()
	s := &sleeper{until: c.now.Add(d), wake: make(chan struct{})}
	c.sleepers = append(c.sleepers, s)
	c.mu.Unlock()
	select {
	case <-s.wake:
		return true
	case <-ctx.Done():
		c.mu.Lock()
		defer c.mu.Unlock()
		c.sleepers = slices.DeleteFunc(c.sleepers, func(o *sleeper) bool { return o == s })
		select {
		case <-s.wake: // woken as ctx ended: d passed
			return true
		default:
			return false
		}
	}
}

// Sleeping returns how long each Sleep in progress still has to wait,
// shortest first.
func (c *ManualClock) Sleeping() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]time.Duration, 0, len(c.sleepers))
	for _, s := range c.sleepers {
		out = append(out, s.until.Sub(c.now))
	}
	slices.Sort(out)
	return out
}

// sleeper is one Sleep in progress.
type sleeper struct {
	until time.Time
	wake  chan struct{}
}
