package plan

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestOrderedEmitsInOrderWithinTheLimit(t *testing.T) {
	var running, peak atomic.Int32
	var got []int
	err := ordered(context.Background(), 50, 4, func(_ context.Context, i int) int {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		// Later items finish first, so order comes from ordered, not luck.
		time.Sleep(time.Duration(50-i) * 20 * time.Microsecond)
		running.Add(-1)
		return i
	}, func(i int) error {
		got = append(got, i)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := make([]int, 50)
	for i := range want {
		want[i] = i
	}
	if !slices.Equal(got, want) {
		t.Errorf("emitted %v", got)
	}
	if p := peak.Load(); p > 4 || p < 1 {
		t.Errorf("peak concurrency %d, want at most 4", p)
	}
}

func TestOrderedStopsOnEmitError(t *testing.T) {
	stop := errors.New("stop")
	var mu sync.Mutex
	cancelled := 0
	err := ordered(context.Background(), 20, 2, func(ctx context.Context, i int) int {
		if i > 0 {
			<-ctx.Done() // everything after the first waits for the stop
			mu.Lock()
			cancelled++
			mu.Unlock()
		}
		return i
	}, func(i int) error {
		if i == 0 {
			return stop
		}
		t.Errorf("emitted %d after the error", i)
		return nil
	})
	if !errors.Is(err, stop) {
		t.Errorf("err = %v", err)
	}
	if cancelled != 19 {
		t.Errorf("%d items saw the cancellation, want 19", cancelled)
	}
}

func TestLargeSetSecondApplyWritesNothing(t *testing.T) {
	fake, c := newFake(t, 0)
	want := synthetic(t, 200, 20, 5)
	opts := Options{Concurrency: 4}
	p, sum := planAndApply(t, c, want, opts)
	if sum.Created != 1+3+200+20 || len(p.Steps) != 224 {
		t.Fatalf("first apply: %s, %d steps", sum, len(p.Steps))
	}
	// Results come in plan order whatever the concurrency.
	var names []string
	for _, s := range p.Steps {
		if s.Kind == KindDashboard {
			names = append(names, s.Name)
		}
	}
	if !slices.IsSorted(names) || len(names) != 200 {
		t.Errorf("dashboard steps out of order")
	}

	fake.ResetCounters()
	p, sum = planAndApply(t, c, want, opts)
	if p.HasChanges() || sum.Unchanged != 224 {
		t.Errorf("second apply: %s", sum)
	}
	if n := fake.TotalWrites(); n != 0 {
		t.Errorf("second apply wrote: %s", fake.WriteSummary())
	}
}
