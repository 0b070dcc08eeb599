package retry

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"
)

var start = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// fake is a clock that sleeps by moving on, and records the sleeps.
type fake struct {
	now   time.Time
	slept []time.Duration
}

func (f *fake) retrier(p Policy, rnd func(int64) int64) Retrier {
	return Retrier{Policy: p, Now: func() time.Time { return f.now }, Rand: rnd,
		Sleep: func(ctx context.Context, d time.Duration) error {
			f.slept = append(f.slept, d)
			f.now = f.now.Add(d)
			return ctx.Err()
		}}
}

// deadline is a context whose deadline is on the fake clock: it never
// ends by itself.
type deadline struct {
	context.Context
	at time.Time
}

func (d deadline) Deadline() (time.Time, bool) { return d.at, true }

func withDeadline(at time.Time) (context.Context, context.CancelFunc) {
	return deadline{context.Background(), at}, func() {}
}

func longest(n int64) int64  { return n - 1 }
func shortest(int64) int64   { return 0 }
func halfway(n int64) int64  { return n / 2 }
func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestStepDoublesUpToTheCap(t *testing.T) {
	p := Policy{BaseDelay: ms(100), MaxDelay: ms(500)}
	for retry, want := range map[int]time.Duration{0: ms(100), 1: ms(100), 2: ms(200), 3: ms(400), 4: ms(500), 5: ms(500), 1000: ms(500)} {
		if got := p.Step(retry); got != want {
			t.Errorf("Step(%d) = %v, want %v", retry, got, want)
		}
	}
	// No overflow, however many retries, with no cap or a huge one.
	for _, p := range []Policy{{BaseDelay: time.Hour}, {BaseDelay: time.Hour, MaxDelay: math.MaxInt64}, {BaseDelay: math.MaxInt64 / 3, MaxDelay: math.MaxInt64 - 1}} {
		for retry := 1; retry < 200; retry++ {
			if got := p.Step(retry); got < p.BaseDelay {
				t.Fatalf("%+v: Step(%d) = %v, below the base", p, retry, got)
			}
		}
	}
	if got := (Policy{BaseDelay: time.Second, MaxDelay: ms(300)}).Step(1); got != ms(300) {
		t.Errorf("a base above the cap gives %v, want the cap", got)
	}
}

func TestJitter(t *testing.T) {
	step := ms(400)
	for _, tc := range []struct {
		jitter   Jitter
		rnd      func(int64) int64
		min, max time.Duration
	}{
		{FullJitter, shortest, 0, 0},
		{FullJitter, longest, step, step},
		{FullJitter, halfway, step / 2, step / 2},
		{EqualJitter, shortest, step / 2, step / 2},
		{EqualJitter, longest, step, step},
		{NoJitter, shortest, step, step},
		{NoJitter, longest, step, step},
	} {
		r := Retrier{Policy: Policy{BaseDelay: step, MaxDelay: step, Jitter: tc.jitter}, Rand: tc.rnd}
		if got := r.Backoff(1); got < tc.min || got > tc.max {
			t.Errorf("jitter %d: Backoff = %v, want in [%v, %v]", tc.jitter, got, tc.min, tc.max)
		}
	}
	// The real source stays within the bounds.
	for _, j := range []Jitter{FullJitter, EqualJitter} {
		r := Retrier{Policy: Policy{BaseDelay: step, MaxDelay: step, Jitter: j}}
		low := time.Duration(0)
		if j == EqualJitter {
			low = step / 2
		}
		for range 1000 {
			if got := r.Backoff(1); got < low || got > step {
				t.Fatalf("jitter %d: Backoff = %v, want in [%v, %v]", j, got, low, step)
			}
		}
	}
	// The largest step does not overflow the random source's bound.
	r := Retrier{Policy: Policy{BaseDelay: math.MaxInt64}, Rand: longest}
	if got := r.Backoff(1); got <= 0 {
		t.Errorf("Backoff of the largest step = %v", got)
	}
}

func TestDoRetriesUntilSuccess(t *testing.T) {
	f := &fake{now: start}
	r := f.retrier(Policy{MaxAttempts: 5, BaseDelay: ms(100), MaxDelay: ms(250), Jitter: NoJitter}, nil)
	calls := 0
	err := r.Do(context.Background(), func(_ context.Context, n int) (bool, time.Duration, error) {
		calls++
		if n != calls {
			t.Errorf("attempt %d numbered %d", calls, n)
		}
		if n < 4 {
			return true, 0, errors.New("503")
		}
		return false, 0, nil
	})
	want := []time.Duration{ms(100), ms(200), ms(250)}
	if err != nil || calls != 4 || !equal(f.slept, want) {
		t.Errorf("err %v, %d calls, slept %v; want nil, 4, %v", err, calls, f.slept, want)
	}
}

func TestDoStops(t *testing.T) {
	final := errors.New("final")
	for _, tc := range []struct {
		name       string
		policy     Policy
		ctx        func() (context.Context, context.CancelFunc)
		retry      bool
		retryAfter time.Duration
		calls      int
		slept      []time.Duration
	}{
		{name: "a failure that is final", policy: Policy{MaxAttempts: 5, BaseDelay: ms(10)}, retry: false, calls: 1},
		{name: "after the last attempt", policy: Policy{MaxAttempts: 3, BaseDelay: ms(10), Jitter: NoJitter}, retry: true, calls: 3, slept: []time.Duration{ms(10), ms(20)}},
		{name: "retries off", policy: Policy{MaxAttempts: 1, BaseDelay: ms(10)}, retry: true, calls: 1},
		{name: "zero policy", retry: true, calls: 1},
		{name: "a Retry-After beyond the bound", policy: Policy{MaxAttempts: 3, BaseDelay: ms(10), MaxRetryAfter: time.Minute}, retry: true, retryAfter: time.Minute + 1, calls: 1},
		{name: "a Retry-After replaces the backoff", policy: Policy{MaxAttempts: 3, BaseDelay: time.Second, MaxRetryAfter: time.Minute}, retry: true, retryAfter: ms(7), calls: 3, slept: []time.Duration{ms(7), ms(7)}},
		{name: "a Retry-After at the bound", policy: Policy{MaxAttempts: 2, BaseDelay: ms(10), MaxRetryAfter: time.Minute}, retry: true, retryAfter: time.Minute, calls: 2, slept: []time.Duration{time.Minute}},
		{name: "no bound on Retry-After", policy: Policy{MaxAttempts: 2, BaseDelay: ms(10)}, retry: true, retryAfter: 24 * time.Hour, calls: 2, slept: []time.Duration{24 * time.Hour}},
		{
			name: "the deadline", policy: Policy{MaxAttempts: 10, BaseDelay: ms(100), Jitter: NoJitter}, retry: true,
			// 100 + 200 fit before 350ms; 400 more do not.
			ctx: func() (context.Context, context.CancelFunc) {
				return withDeadline(start.Add(ms(350)))
			},
			calls: 3, slept: []time.Duration{ms(100), ms(200)},
		},
		{
			name: "a wait that ends at the deadline", policy: Policy{MaxAttempts: 10, BaseDelay: ms(100), Jitter: NoJitter}, retry: true,
			ctx: func() (context.Context, context.CancelFunc) {
				return withDeadline(start.Add(ms(100)))
			},
			calls: 1,
		},
		{
			name: "a cancelled context", policy: Policy{MaxAttempts: 10, BaseDelay: ms(100)}, retry: true,
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx, cancel
			},
			calls: 1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if tc.ctx != nil {
				ctx, cancel = tc.ctx()
			}
			defer cancel()
			f := &fake{now: start}
			calls := 0
			err := f.retrier(tc.policy, longest).Do(ctx, func(context.Context, int) (bool, time.Duration, error) {
				calls++
				return tc.retry, tc.retryAfter, final
			})
			if err != final || calls != tc.calls || !equal(f.slept, tc.slept) {
				t.Errorf("err %v, %d calls, slept %v; want %v, %d, %v", err, calls, f.slept, final, tc.calls, tc.slept)
			}
		})
	}
}

func TestDecideSaysWhy(t *testing.T) {
	f := &fake{now: start}
	r := f.retrier(Policy{MaxAttempts: 3, BaseDelay: ms(100), MaxRetryAfter: time.Second, Jitter: NoJitter}, nil)
	ctx, cancel := withDeadline(start.Add(time.Hour))
	defer cancel()
	for _, tc := range []struct {
		attempt    int
		retryAfter time.Duration
		wait       time.Duration
		err        error
	}{
		{1, 0, ms(100), nil},
		{2, 0, ms(200), nil},
		{3, 0, 0, ErrAttemptsExhausted},
		{1, ms(300), ms(300), nil},
		{1, 2 * time.Second, 2 * time.Second, ErrRetryAfterTooLong},
		{1, math.MaxInt64, math.MaxInt64, ErrRetryAfterTooLong},
	} {
		wait, err := r.Decide(ctx, tc.attempt, tc.retryAfter)
		if wait != tc.wait || !errors.Is(err, tc.err) {
			t.Errorf("Decide(%d, %v) = %v, %v; want %v, %v", tc.attempt, tc.retryAfter, wait, err, tc.wait, tc.err)
		}
	}
	short, cancelShort := withDeadline(start.Add(ms(50)))
	defer cancelShort()
	if wait, err := r.Decide(short, 1, 0); wait != ms(100) || !errors.Is(err, ErrPastDeadline) {
		t.Errorf("Decide past the deadline = %v, %v", wait, err)
	}
	if len(f.slept) != 0 {
		t.Errorf("Decide slept %v", f.slept)
	}
}

// The real sleep ends with the context, and Wait says so.
func TestWaitEndsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := Retrier{Policy: Policy{MaxAttempts: 2, BaseDelay: time.Hour, Jitter: NoJitter}}
	done := make(chan error)
	go func() {
		_, err := r.Wait(ctx, 1, 0)
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Wait = %v, want context.Canceled", err)
	}
	if err := SleepContext(context.Background(), time.Nanosecond); err != nil {
		t.Errorf("SleepContext = %v", err)
	}
}

func equal(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
