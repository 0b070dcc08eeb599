//go:build race

package redact_test

// raceEnabled: the race detector makes sync.Pool drop items at random, so
// allocation counts of pooled code are not exact under -race.
const raceEnabled = true
