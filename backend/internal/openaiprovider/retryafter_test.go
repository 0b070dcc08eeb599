package openaiprovider

import (
	"context"
	"testing"
	"time"

	"github.com/scanium/openai-monitoring/backend/config"
)

// TestRetryAfterLogsEachHeaderItIgnores: each header read for a wait and
// ignored or clamped is one debug line with its reason; the wait is the
// next header's, or none.
func TestRetryAfterLogsEachHeaderItIgnores(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	type line struct{ field, value, reason string }
	for _, tc := range []struct {
		h     []string
		wait  time.Duration
		lines []line
	}{
		{[]string{"retry-after-ms", "1500", "retry-after", "nonsense"}, 1500 * time.Millisecond, nil},
		{[]string{"retry-after-ms", "NaN", "retry-after", "2"}, 2 * time.Second, []line{{"retry-after-ms", "NaN", "malformed"}}},
		{[]string{"retry-after-ms", "-5", "retry-after", "-4"}, 0,
			[]line{{"retry-after-ms", "-5", "negative"}, {"retry-after", "-4", "negative"}}},
		{[]string{"retry-after-ms", "1E20"}, maxRetryAfter, []line{{"retry-after-ms", "1E20", "too large, clamped to 1h0m0s"}}},
		{[]string{"retry-after", "soon"}, 0, []line{{"retry-after", "soon", "malformed"}}},
		{[]string{"retry-after", "Fri, 31 Dec 9999 23:59:59 GMT"}, maxRetryAfter,
			[]line{{"retry-after", "Fri, 31 Dec 9999 23:59:59 GMT", "too large, clamped to 1h0m0s"}}},
	} {
		var log debugLog
		u := newUntrustedValues(log.logger(), config.Secret(testKey))
		if got := u.retryAfter(context.Background(), header(tc.h...), now); got != tc.wait {
			t.Errorf("%q: wait %v, want %v", tc.h, got, tc.wait)
		}
		lines := log.lines(t)
		if len(lines) != len(tc.lines) {
			t.Errorf("%q: %d log lines, want %d:\n%s", tc.h, len(lines), len(tc.lines), log.text())
			continue
		}
		for i, w := range tc.lines {
			if l := lines[i]; l["field"] != w.field || l["value"] != w.value || l["reason"] != w.reason {
				t.Errorf("%q: log line %d = %v, want field %s value %q reason %q", tc.h, i, l, w.field, w.value, w.reason)
			}
		}
	}
}
