package alerttest

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
)

// Storage loads series of promqltest's load syntax, sampled every minute
// from the Unix epoch, into a test storage, for a test's lifetime.
//
// The series may start days apart. The load command appends them in no fixed
// order, and the head of promqltest's storage takes samples only up to half
// a block before the first sample it was given: 12 hours by default, two
// weeks here (series of the 3-day burn-rate windows span about a week).
func Storage(t testing.TB, series ...string) storage.Queryable {
	t.Helper()
	return promqltest.LoadedStorage(t, "load 1m\n  "+strings.Join(series, "\n  "), func(o *tsdb.Options) {
		block := int64(4 * 7 * 24 * time.Hour / time.Millisecond)
		o.MinBlockDuration, o.MaxBlockDuration = block, block
	})
}
