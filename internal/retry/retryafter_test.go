package retry

import (
	"math"
	"net/http"
	"strings"
	"testing"
	"time"
)

// header is an http.Header of key, value pairs.
func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// TestReadRetryAfterWholeNumbers: Retry-After as RFC 9110 writes it,
// digits or a date, against a limit of a minute. A wait beyond the limit,
// however large the number, is too long; anything that is not a valid
// Retry-After (negative, signed, fractional, 1e308, Inf, a date past) is no
// request to wait.
func TestReadRetryAfterWholeNumbers(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	type result struct {
		wait    time.Duration
		tooLong bool
		verdict Verdict
	}
	tooLong := result{wait: time.Minute, tooLong: true, verdict: VerdictTooLong}
	for value, want := range map[string]result{
		"":                              {},
		"  ":                            {},
		"0":                             {verdict: VerdictKept},
		"-5":                            {verdict: VerdictNegative},
		"-1":                            {verdict: VerdictNegative},
		"+5":                            {verdict: VerdictMalformed},
		"12":                            {wait: 12 * time.Second, verdict: VerdictKept},
		" 12 ":                          {wait: 12 * time.Second, verdict: VerdictKept},
		"0060":                          {wait: time.Minute, verdict: VerdictKept},
		"60":                            {wait: time.Minute, verdict: VerdictKept},
		"61":                            tooLong,
		"18446744074":                   tooLong,
		"9223372036854775807":           tooLong,
		"18446744073709551616":          tooLong,
		strings.Repeat("9", 400):        tooLong,
		"1e308":                         {verdict: VerdictMalformed},
		"3.5":                           {verdict: VerdictMalformed},
		"0x10":                          {verdict: VerdictMalformed},
		"1_000":                         {verdict: VerdictMalformed},
		"Inf":                           {verdict: VerdictMalformed},
		"NaN":                           {verdict: VerdictMalformed},
		"Wed, 01 Jan 2025 00:00:30 GMT": {wait: 30 * time.Second, verdict: VerdictKept},
		"Wed, 01 Jan 2025 00:01:00 GMT": {wait: time.Minute, verdict: VerdictKept},
		"Wed, 01 Jan 2025 00:01:01 GMT": tooLong,
		"Fri, 31 Dec 9999 23:59:59 GMT": tooLong,
		"Tue, 31 Dec 2024 23:00:00 GMT": {verdict: VerdictKept},
		"later":                         {verdict: VerdictMalformed},
	} {
		r := ReadRetryAfter(header(HeaderRetryAfter, value), now, time.Minute, WholeNumbers)
		if got := (result{r.Wait, r.TooLong, r.Seconds}); got != want {
			t.Errorf("Retry-After %q = %+v, want %+v", value, got, want)
		}
		wantFrom := ""
		if want.verdict == VerdictKept || want.verdict == VerdictTooLong {
			wantFrom = HeaderRetryAfter
		}
		if r.From != wantFrom || r.Millis != VerdictAbsent {
			t.Errorf("Retry-After %q: from %q, retry-after-ms %v; want from %q, retry-after-ms absent", value, r.From, r.Millis, wantFrom)
		}
	}
}

// TestReadRetryAfterDecimalNumbers: OpenAI's headers, against a limit of an
// hour: retry-after-ms first, then Retry-After with fractions and exponents;
// nothing overflows, NaN, Inf and negative values ask for no wait, and a
// longer wait than the limit reads as the limit, too long.
func TestReadRetryAfterDecimalNumbers(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const limit = time.Hour
	type result struct {
		wait            time.Duration
		tooLong         bool
		from            string
		millis, seconds Verdict
	}
	ms, ra := HeaderRetryAfterMs, HeaderRetryAfter
	for _, tc := range []struct {
		h    []string
		want result
	}{
		{nil, result{}},
		{[]string{ms, "1500", ra, "9"}, result{1500 * time.Millisecond, false, ms, VerdictKept, VerdictAbsent}},
		{[]string{ms, "250"}, result{250 * time.Millisecond, false, ms, VerdictKept, VerdictAbsent}},
		{[]string{ms, "0.5"}, result{500 * time.Microsecond, false, ms, VerdictKept, VerdictAbsent}},
		{[]string{ra, "2"}, result{2 * time.Second, false, ra, VerdictAbsent, VerdictKept}},
		{[]string{ra, "0.5"}, result{500 * time.Millisecond, false, ra, VerdictAbsent, VerdictKept}},
		{[]string{ra, "0"}, result{0, false, ra, VerdictAbsent, VerdictKept}},
		{[]string{ra, now.Add(3 * time.Second).Format(http.TimeFormat)}, result{3 * time.Second, false, ra, VerdictAbsent, VerdictKept}},
		{[]string{ra, "soon"}, result{0, false, "", VerdictAbsent, VerdictMalformed}},
		{[]string{ra, "-4"}, result{0, false, "", VerdictAbsent, VerdictNegative}},
		{[]string{ra, "1e308"}, result{limit, true, ra, VerdictAbsent, VerdictTooLong}},
		{[]string{ra, "1e400"}, result{limit, true, ra, VerdictAbsent, VerdictTooLong}},
		{[]string{ra, "-1e400"}, result{0, false, "", VerdictAbsent, VerdictNegative}},
		{[]string{ra, "Inf"}, result{0, false, "", VerdictAbsent, VerdictMalformed}},
		{[]string{ra, "+Inf"}, result{0, false, "", VerdictAbsent, VerdictMalformed}},
		{[]string{ra, "NaN"}, result{0, false, "", VerdictAbsent, VerdictMalformed}},
		{[]string{ra, "-1e308"}, result{0, false, "", VerdictAbsent, VerdictNegative}},
		{[]string{ra, "3600"}, result{limit, false, ra, VerdictAbsent, VerdictKept}},
		{[]string{ra, "3600.000001"}, result{limit, true, ra, VerdictAbsent, VerdictTooLong}},
		{[]string{ra, "3599.5"}, result{3599500 * time.Millisecond, false, ra, VerdictAbsent, VerdictKept}},
		{[]string{ra, "9223372036.854775807"}, result{limit, true, ra, VerdictAbsent, VerdictTooLong}},
		{[]string{ms, "1E20"}, result{limit, true, ms, VerdictTooLong, VerdictAbsent}},
		{[]string{ms, "9223372036854775807"}, result{limit, true, ms, VerdictTooLong, VerdictAbsent}},
		{[]string{ms, "NaN", ra, "2"}, result{2 * time.Second, false, ra, VerdictMalformed, VerdictKept}},
		{[]string{ms, "Inf", ra, "2"}, result{2 * time.Second, false, ra, VerdictMalformed, VerdictKept}},
		{[]string{ms, "-5", ra, "2"}, result{2 * time.Second, false, ra, VerdictNegative, VerdictKept}},
		// No wait in milliseconds: Retry-After decides.
		{[]string{ms, "0", ra, "2"}, result{2 * time.Second, false, ra, VerdictKept, VerdictKept}},
		{[]string{ra, "Fri, 31 Dec 9999 23:59:59 GMT"}, result{limit, true, ra, VerdictAbsent, VerdictTooLong}},
		{[]string{ra, now.Add(2 * time.Hour).Format(http.TimeFormat)}, result{limit, true, ra, VerdictAbsent, VerdictTooLong}},
		{[]string{ra, now.Add(-time.Hour).Format(http.TimeFormat)}, result{0, false, ra, VerdictAbsent, VerdictKept}},
		{[]string{ra, "Mon, 01 Jan 0001 00:00:00 GMT"}, result{0, false, ra, VerdictAbsent, VerdictKept}},
	} {
		r := ReadRetryAfter(header(tc.h...), now, limit, DecimalNumbers)
		if got := (result{r.Wait, r.TooLong, r.From, r.Millis, r.Seconds}); got != tc.want {
			t.Errorf("%q = %+v, want %+v", tc.h, got, tc.want)
		}
	}
}

// TestReadRetryAfterWithoutLimit: a limit of 0 or less bounds the wait by
// the range of a Duration alone.
func TestReadRetryAfterWithoutLimit(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, limit := range []time.Duration{0, -time.Second} {
		for _, numbers := range []Numbers{WholeNumbers, DecimalNumbers} {
			if r := ReadRetryAfter(header(HeaderRetryAfter, "86400"), now, limit, numbers); r.Wait != 24*time.Hour || r.TooLong {
				t.Errorf("limit %v, numbers %d: a day reads %+v", limit, numbers, r)
			}
			for _, value := range []string{"9223372037", "99999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT"} {
				if r := ReadRetryAfter(header(HeaderRetryAfter, value), now, limit, numbers); r.Wait != math.MaxInt64 || !r.TooLong {
					t.Errorf("limit %v, numbers %d: %q reads %+v, want the largest Duration, too long", limit, numbers, value, r)
				}
			}
		}
	}
}

// TestReadRetryAfterAllocations: well-formed numbers read without
// allocating.
func TestReadRetryAfterAllocations(t *testing.T) {
	now := time.Now()
	for _, h := range []http.Header{
		header(HeaderRetryAfterMs, "1500", HeaderRetryAfter, "2"),
		header(HeaderRetryAfter, "2"),
		header(HeaderRetryAfter, "99999999999"),
	} {
		for _, numbers := range []Numbers{WholeNumbers, DecimalNumbers} {
			if n := testing.AllocsPerRun(100, func() { _ = ReadRetryAfter(h, now, time.Minute, numbers) }); n != 0 {
				t.Errorf("%v, numbers %d: %.1f allocations per read, want 0", h, numbers, n)
			}
		}
	}
}

func TestVerdictNoted(t *testing.T) {
	for v, want := range map[Verdict]bool{VerdictAbsent: false, VerdictKept: false, VerdictMalformed: true, VerdictNegative: true, VerdictTooLong: true} {
		if v.Noted() != want {
			t.Errorf("%v.Noted() = %v, want %v", v, v.Noted(), want)
		}
	}
	if got := Verdict(9).String(); got != "Verdict(9)" {
		t.Errorf("a verdict out of range reads %q", got)
	}
}
