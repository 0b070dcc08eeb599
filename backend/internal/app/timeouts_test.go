package app

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestREADMEStatesTheServerTimeouts: the README's sentence on the server's
// timeouts says what serve sets.
func TestREADMEStatesTheServerTimeouts(t *testing.T) {
	raw, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	secs := func(d time.Duration) string { return fmt.Sprintf("%g s", d.Seconds()) }
	want := "The server's timeouts bound the rest: " + secs(readHeaderTimeout) + " to read a request's header, " +
		secs(readTimeout) + " to read it whole,\n`OPENAI_TIMEOUT` + " + secs(writeSlack) +
		" to write an answer that is not streamed, " + fmt.Sprintf("%g minutes", idleTimeout.Minutes()) + " for an idle keep-alive\nconnection."
	if !strings.Contains(string(raw), want) {
		t.Errorf("the README does not say %q", want)
	}
}
