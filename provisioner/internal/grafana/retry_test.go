package grafana

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// scripted answers with a fixed sequence of statuses (0: connection error).
type scripted struct {
	statuses   []int
	retryAfter string
	calls      int
}

func (s *scripted) RoundTrip(r *http.Request) (*http.Response, error) {
	status := s.statuses[min(s.calls, len(s.statuses)-1)]
	s.calls++
	if status == 0 {
		return nil, errors.New("connection refused")
	}
	h := http.Header{}
	if s.retryAfter != "" {
		h.Set("Retry-After", s.retryAfter)
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader("{}")), Request: r}, nil
}

func newTestRetry(next http.RoundTripper, policy RetryPolicy) (*retryTransport, *[]time.Duration) {
	var slept []time.Duration
	rt := newRetryTransport(next, policy, nil)
	rt.retrier.Sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	rt.retrier.Rand = func(n int64) int64 { return n - 1 } // the longest wait
	rt.retrier.Now = func() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }
	return rt, &slept
}

func TestBackoffDoublesUpToTheMaximum(t *testing.T) {
	next := &scripted{statuses: []int{500, 502, 0, 503, 429, 200}}
	rt, slept := newTestRetry(next, RetryPolicy{MaxAttempts: 6, BaseDelay: 100 * time.Millisecond, MaxDelay: 500 * time.Millisecond, MaxRetryAfter: time.Minute})
	req, _ := http.NewRequest(http.MethodGet, "http://grafana/api/health", nil)
	resp, err := rt.RoundTrip(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("RoundTrip = %v, %v", resp, err)
	}
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 500 * time.Millisecond, 500 * time.Millisecond}
	if len(*slept) != len(want) {
		t.Fatalf("slept %v, want %v", *slept, want)
	}
	for i := range want {
		if (*slept)[i] != want[i] {
			t.Errorf("wait %d = %v, want %v", i, (*slept)[i], want[i])
		}
	}
}

func TestJitterTakesOffAtMostHalf(t *testing.T) {
	policy := DefaultRetryPolicy()
	policy.BaseDelay, policy.MaxDelay = time.Second, time.Second
	rt := newRetryTransport(nil, policy, nil)
	for range 1000 {
		if d := rt.retrier.Backoff(1); d < 500*time.Millisecond || d > time.Second {
			t.Fatalf("delay = %v, want within [0.5s, 1s]", d)
		}
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	tests := []struct {
		header string
		want   time.Duration
		calls  int
	}{
		{header: "3", want: 3 * time.Second, calls: 2},
		{header: "Wed, 01 Jan 2025 00:00:07 GMT", want: 7 * time.Second, calls: 2},
		{header: "soon", want: 10 * time.Millisecond, calls: 2},
		// Longer than MaxRetryAfter: give the 429 back.
		{header: "3600", calls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			next := &scripted{statuses: []int{429, 200}, retryAfter: tt.header}
			rt, slept := newTestRetry(next, RetryPolicy{MaxAttempts: 3, BaseDelay: 10 * time.Millisecond, MaxDelay: 10 * time.Millisecond, MaxRetryAfter: time.Minute})
			req, _ := http.NewRequest(http.MethodGet, "http://grafana/api/health", nil)
			resp, err := rt.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			if next.calls != tt.calls {
				t.Errorf("%d calls, want %d", next.calls, tt.calls)
			}
			if tt.calls == 1 {
				if resp.StatusCode != 429 || len(*slept) != 0 {
					t.Errorf("status %d after sleeping %v", resp.StatusCode, *slept)
				}
				return
			}
			if len(*slept) != 1 || (*slept)[0] != tt.want {
				t.Errorf("slept %v, want %v", *slept, tt.want)
			}
		})
	}
}

// TestHugeRetryAfterEndsTheRetries: a wait that does not fit in a
// time.Duration, or is longer than MaxRetryAfter, gives the 429 back
// without sleeping; one that cannot be read falls back to the backoff.
func TestHugeRetryAfterEndsTheRetries(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		header string
		// retried: the header is ignored and the backoff (10ms) applies;
		// otherwise the 429 comes back at once.
		retried bool
	}{
		{header: "18446744074"},
		{header: "9223372036854775807"},
		{header: "99999999999999999999999999999"},
		{header: "61"},
		{header: "Fri, 31 Dec 9999 23:59:59 GMT"},
		{header: now.Add(time.Minute + time.Second).Format(http.TimeFormat)},
		{header: "1e308", retried: true},
		{header: "-1", retried: true},
		{header: "Inf", retried: true},
		{header: "+Inf", retried: true},
		{header: "NaN", retried: true},
		{header: "+5", retried: true},
		{header: "0x10", retried: true},
		{header: "1_000", retried: true},
		{header: "3.5", retried: true},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			next := &scripted{statuses: []int{429, 200}, retryAfter: tt.header}
			rt, slept := newTestRetry(next, RetryPolicy{MaxAttempts: 3, BaseDelay: 10 * time.Millisecond, MaxDelay: 10 * time.Millisecond, MaxRetryAfter: time.Minute})
			var notes []string
			rt.notify = func(s string) { notes = append(notes, s) }
			req, _ := http.NewRequest(http.MethodGet, "http://grafana/api/health", nil)
			resp, err := rt.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.retried {
				if next.calls != 1 || resp.StatusCode != 429 || len(*slept) != 0 {
					t.Errorf("%d calls, status %d, slept %v: want the 429 back at once", next.calls, resp.StatusCode, *slept)
				}
				want := "GET /api/health: Grafana answered 429 and asked to wait longer than 1m0s (Retry-After): not retrying"
				if len(notes) != 1 || notes[0] != want {
					t.Errorf("notes = %q, want %q", notes, want)
				}
				return
			}
			if next.calls != 2 || len(*slept) != 1 || (*slept)[0] != 10*time.Millisecond {
				t.Errorf("%d calls, slept %v: want one retry after the 10ms backoff", next.calls, *slept)
			}
		})
	}
}
