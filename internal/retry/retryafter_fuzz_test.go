package retry

import (
	"math"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzReadRetryAfter: whatever the two headers hold, whatever the limit
// and the clock, reading does not panic, the wait is in [0, limit], and
// TooLong is set exactly when the header that gave the wait asked for
// more than limit, as an exact computation (math/big) of that header's
// wait tells; a wait that is not too long is the one asked for.
func FuzzReadRetryAfter(f *testing.F) {
	for _, seed := range []struct {
		ms, ra  string
		limit   int64
		decimal bool
	}{
		{"1500", "2", int64(time.Hour), true},
		{"", "60", int64(time.Minute), false},
		{"", "61", int64(time.Minute), false},
		{"", "1e308", int64(time.Hour), true},
		{"NaN", "Inf", int64(time.Hour), true},
		{"-5", "9223372036.854775807", 0, true},
		{"", strings.Repeat("9", 30), int64(time.Minute), false},
		{"1E20", "", math.MaxInt64, true},
		{"0", "Fri, 31 Dec 9999 23:59:59 GMT", -1, false},
		{"", "Wed, 01 Jan 2025 00:01:00 GMT", int64(time.Minute), false},
		{"0.0000001", "3599.9999999999995", int64(time.Hour), true},
	} {
		f.Add(seed.ms, seed.ra, seed.limit, seed.decimal, int64(1735689600))
	}
	f.Fuzz(func(t *testing.T, ms, ra string, limit int64, decimal bool, unix int64) {
		// Any clock from year 1 to 9999, as HTTP dates go.
		now := time.Unix(unix%253402300800, 0).UTC()
		numbers := WholeNumbers
		if decimal {
			numbers = DecimalNumbers
		}
		h := http.Header{HeaderRetryAfterMs: {ms}, HeaderRetryAfter: {ra}}
		r := ReadRetryAfter(h, now, time.Duration(limit), numbers)

		bound := time.Duration(limit)
		if bound <= 0 {
			bound = math.MaxInt64
		}
		if r.Wait < 0 || r.Wait > bound {
			t.Fatalf("%q, %q (limit %v): wait %v out of [0, %v]", ms, ra, time.Duration(limit), r.Wait, bound)
		}
		from, asked := "", (*big.Float)(nil)
		if a, ok := exactWait(ms, time.Millisecond, numbers, now, false); ok && (a.Cmp(bigNs(bound)) > 0 || a.Cmp(bigNs(1)) >= 0) {
			from, asked = HeaderRetryAfterMs, a
		} else if a, ok := exactWait(ra, time.Second, numbers, now, true); ok {
			from, asked = HeaderRetryAfter, a
		}
		if r.From != from {
			t.Fatalf("%q, %q (limit %v): wait from %q, want from %q (%+v)", ms, ra, time.Duration(limit), r.From, from, r)
		}
		if from == "" {
			if r.Wait != 0 || r.TooLong {
				t.Fatalf("%q, %q: no header asks for a wait, read %+v", ms, ra, r)
			}
			return
		}
		tooLong := asked.Cmp(bigNs(bound)) > 0
		if r.TooLong != tooLong {
			t.Fatalf("%q, %q (limit %v): asked %s ns, TooLong %v, want %v", ms, ra, bound, asked.Text('g', 30), r.TooLong, tooLong)
		}
		want := bound
		if !tooLong {
			whole, _ := asked.Int(nil) // toward zero
			want = time.Duration(whole.Int64())
		}
		if r.Wait != want {
			t.Fatalf("%q, %q (limit %v): asked %s ns, wait %v, want %v", ms, ra, bound, asked.Text('g', 30), r.Wait, want)
		}
		if v := map[string]Verdict{HeaderRetryAfterMs: r.Millis, HeaderRetryAfter: r.Seconds}[from]; v != VerdictKept && v != VerdictTooLong ||
			(v == VerdictTooLong) != r.TooLong {
			t.Fatalf("%q, %q: verdict %v of %s, which gave %+v", ms, ra, v, from, r)
		}
	})
}

// exactWait is the wait raw asks for, in nanoseconds, computed without
// rounding: a number of unit (a decimal as strconv.ParseFloat reads it,
// times unit as a float64, the precision the reader promises), or, when
// dates are allowed, an HTTP date (a date past asks for 0). ok is false
// when raw asks for no wait at all.
func exactWait(raw string, unit time.Duration, numbers Numbers, now time.Time, dates bool) (*big.Float, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, false
	}
	if numbers == WholeNumbers {
		if isDigits(raw) {
			n, _ := new(big.Int).SetString(raw, 10)
			return new(big.Float).SetInt(n.Mul(n, big.NewInt(int64(unit)))), true
		}
		if strings.HasPrefix(raw, "-") && isDigits(raw[1:]) {
			return nil, false
		}
	} else if f, err := strconv.ParseFloat(raw, 64); err == nil || isRangeError(err) {
		switch {
		case math.IsNaN(f), f < 0, math.IsInf(f, 0) && err == nil:
			return nil, false
		}
		return new(big.Float).SetFloat64(f * float64(unit)), true
	}
	if !dates {
		return nil, false
	}
	at, err := http.ParseTime(raw)
	if err != nil {
		return nil, false
	}
	if !at.After(now) {
		return new(big.Float), true
	}
	secs := new(big.Int).Sub(big.NewInt(at.Unix()), big.NewInt(now.Unix()))
	ns := secs.Mul(secs, big.NewInt(int64(time.Second)))
	ns.Add(ns, big.NewInt(int64(at.Nanosecond()-now.Nanosecond())))
	return new(big.Float).SetInt(ns), true
}

func bigNs(d time.Duration) *big.Float { return new(big.Float).SetInt64(int64(d)) }
