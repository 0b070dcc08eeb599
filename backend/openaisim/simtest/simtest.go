// Package simtest runs the OpenAI simulator for a test: started on a loopback
// port, stopped when the test ends.
package simtest

import (
	"testing"

	"github.com/scanium/openai-monitoring/backend/openaisim"
)

// Start runs a simulator with cfg on 127.0.0.1 until the test ends, and
// returns it with its base URL (ending in /v1, what go-openai's BaseURL takes).
func Start(tb testing.TB, cfg openaisim.Config) (*openaisim.Server, string) {
	tb.Helper()
	sim, err := openaisim.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	running, err := sim.Start("127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = running.Close() })
	return sim, running.URL()
}
