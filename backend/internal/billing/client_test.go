package billing

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestPollReadsOpenAIsRetryAfter: a 429's retry-after-ms comes before its
// Retry-After, a fraction of a second is a wait, and an absurd wait (one no
// Duration holds) ends the retries at once with an error that says it asked
// for more than the exporter tells.
func TestPollReadsOpenAIsRetryAfter(t *testing.T) {
	f := newFixture()
	for _, tc := range []struct {
		headers []string
		want    time.Duration
	}{
		{[]string{"Retry-After-Ms", "1500", "Retry-After", "9"}, 1500 * time.Millisecond},
		{[]string{"Retry-After", "2.5"}, 2500 * time.Millisecond},
		{[]string{"Retry-After-Ms", "NaN", "Retry-After", "3"}, 3 * time.Second},
		{[]string{"Retry-After", "soon"}, 10 * time.Millisecond}, // the backoff
	} {
		t.Run(strings.Join(tc.headers, "="), func(t *testing.T) {
			s := newScript(t).
				on(EndpointCosts, status(http.StatusTooManyRequests, "Rate limit reached", tc.headers...), f.goodCosts()).
				on(EndpointUsageCompletions, f.goodUsage())
			sl := &sleeps{}
			got, err := f.poller(s, sl).Poll(context.Background())
			f.check(t, got, err)
			if w := sl.got(); len(w) != 1 || w[0] != tc.want {
				t.Errorf("waited %v, want %v once", w, tc.want)
			}
		})
	}
	for _, value := range []string{"1e308", "99999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT"} {
		t.Run("Retry-After="+value, func(t *testing.T) {
			s := newScript(t).on(EndpointCosts, status(http.StatusTooManyRequests, "slow down", "Retry-After", value))
			sl := &sleeps{}
			_, err := f.poller(s, sl).Poll(context.Background())
			checkFailure(t, err, "429", "asked to wait more than 1h0m0s, beyond the 1m0s the exporter waits")
			if len(sl.got()) != 0 || s.count(EndpointCosts) != 1 {
				t.Errorf("waited %v over %d tries; want one try and no wait", sl.got(), s.count(EndpointCosts))
			}
		})
	}
}
