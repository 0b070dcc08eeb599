package openaisim

import (
	"testing"
	"time"
)

func TestFormatReset(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{-time.Second, "0s"},
		{time.Nanosecond, "1ms"},
		{20 * time.Millisecond, "20ms"},
		{19*time.Millisecond + time.Microsecond, "20ms"},
		{999*time.Millisecond + 1, "1s"},
		{time.Second, "1s"},
		{8*time.Second + 635*time.Millisecond, "8.64s"},
		{59*time.Second + 991*time.Millisecond, "1m0s"},
		{6 * time.Minute, "6m0s"},
		{5*time.Minute + 59*time.Second + time.Millisecond, "6m0s"},
		{90 * time.Minute, "1h30m0s"},
	} {
		got := formatReset(tc.d)
		if got != tc.want {
			t.Errorf("formatReset(%s) = %q, want %q", tc.d, got, tc.want)
		}
		if parsed, err := time.ParseDuration(got); err != nil || parsed < tc.d {
			t.Errorf("formatReset(%s) = %q parses to %s, %v; want a duration no shorter", tc.d, got, parsed, err)
		}
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	for d, want := range map[time.Duration]int64{0: 1, time.Millisecond: 1, time.Second: 1, 1001 * time.Millisecond: 2, 40 * time.Second: 40} {
		if got := retryAfterSeconds(d); got != want {
			t.Errorf("retryAfterSeconds(%s) = %d, want %d", d, got, want)
		}
	}
}

func TestLimiterChargesOnlyAdmittedRequests(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(func() time.Time { return now }, RateLimits{Requests: 3, Tokens: 100})
	if _, r := l.admit(60); r != nil {
		t.Fatalf("first request refused: %+v", r)
	}
	st, r := l.admit(41)
	if r == nil || r.kind != limitTokens || r.used != 60 || r.requested != 41 || r.tooLarge() {
		t.Fatalf("rejection = %+v, want tokens: 60 used, 41 requested", r)
	}
	if st.remainingRequests != 2 || st.remainingTokens != 40 {
		t.Errorf("a refused request was charged: %+v", st)
	}
	if _, r := l.admit(101); r == nil || !r.tooLarge() {
		t.Errorf("a request over the whole budget: %+v, want too large", r)
	}
}
