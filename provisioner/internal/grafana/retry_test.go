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
	rt.sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	rt.jitter = func(d time.Duration) time.Duration { return d - 1 } // the longest wait
	rt.now = func() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }
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
	rt := newRetryTransport(nil, RetryPolicy{BaseDelay: time.Second, MaxDelay: time.Second}, nil)
	for range 1000 {
		if d := rt.delay(1); d < 500*time.Millisecond || d > time.Second {
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

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for header, want := range map[string]time.Duration{
		"":                              0,
		"0":                             0,
		"-5":                            0,
		"12":                            12 * time.Second,
		"Wed, 01 Jan 2025 00:01:00 GMT": time.Minute,
		"Tue, 31 Dec 2024 23:00:00 GMT": 0,
		"later":                         0,
	} {
		if got := parseRetryAfter(header, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", header, got, want)
		}
	}
}
