package app

import (
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/backend/openaisim"
	"github.com/scanium/openai-monitoring/backend/openaisim/simtest"
)

// margin is what the shutdown tests allow beyond a budget: generous, for a
// loaded machine; they check that the budget bounds the wait, not how fast
// the backend is.
const margin = 8 * time.Second

func TestShutdownWithABlackHoledCollectorEndsWithinTheExportBudget(t *testing.T) {
	// The collector accepts connections and never answers. No request is in
	// flight: the backend exits once the final export's own budget
	// (OTEL_EXPORTER_OTLP_TIMEOUT) is spent, far within SHUTDOWN_TIMEOUT,
	// says the export failed, and exits 0: every request was answered.
	const exportBudget = 2 * time.Second
	hole := newBlackHole(t)
	_, simURL := simtest.Start(t, openaisim.Config{})
	b := startBackend(t, map[string]string{
		"SCANIUM_API_KEYS": clientKey, "OPENAI_API_KEY": "sk-x", "OPENAI_BASE_URL": simURL,
		"OTEL_EXPORTER_OTLP_ENDPOINT": hole.url(), "OTEL_METRIC_EXPORT_INTERVAL": "3600000",
		"OTEL_EXPORTER_OTLP_TIMEOUT": "2000", "SHUTDOWN_TIMEOUT": "60s",
	})
	if a := postChat(quickClient(), b.url); a.err != nil || a.status != http.StatusOK {
		t.Fatalf("chat: %d %v", a.status, a.err)
	}
	b.signal(t, syscall.SIGTERM)
	if code := b.exitWithin(t, exportBudget+margin); code != 0 {
		t.Errorf("exit %d, want 0:\n%s", code, b.stdout)
	}
	if hole.accepted.Load() == 0 {
		t.Error("the final export never reached the collector: the test proves nothing")
	}
	if !strings.Contains(b.stdout.String(), "final export failed") {
		t.Errorf("no log line says the final export failed:\n%s", b.stdout)
	}
}

func TestSuccessesOfADrainThatOverrunsItsBudgetAreExported(t *testing.T) {
	// One request hangs on OpenAI past the drain budget; others succeed
	// before the signal and during the drain. The hanging one is cut when
	// the drain budget ends, and the final export, with its own budget,
	// still carries every success the clients were answered.
	sim, simURL := simtest.Start(t, openaisim.Config{})
	receiver := newOTLPReceiver(t)
	b := startBackend(t, map[string]string{
		"SCANIUM_API_KEYS": clientKey, "OPENAI_API_KEY": "sk-x", "OPENAI_BASE_URL": simURL, "OPENAI_MAX_RETRIES": "0",
		"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url, "OTEL_METRIC_EXPORT_INTERVAL": "3600000",
		"OTEL_EXPORTER_OTLP_TIMEOUT": "3000", "SHUTDOWN_TIMEOUT": "7s",
	})
	if err := sim.Script(openaisim.FaultHang); err != nil {
		t.Fatal(err)
	}
	hung := make(chan answer, 1)
	go func() { hung <- postChat(&http.Client{}, b.url) }()
	waitUntil(t, "the first request hangs on OpenAI", func() bool { return sim.Stats().InFlight() == 1 })

	var mu sync.Mutex
	succeeded := 0
	count := func(a answer) {
		if a.err == nil && a.status == http.StatusOK {
			mu.Lock()
			succeeded++
			mu.Unlock()
		}
	}
	for range 3 {
		a := postChat(quickClient(), b.url)
		if a.status != http.StatusOK {
			t.Fatalf("chat before the signal: %d %v", a.status, a.err)
		}
		count(a)
	}
	// Two more are in flight when the signal comes; they finish during the
	// drain.
	if err := sim.SetLatency(openaisim.Latency{Median: 300 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	var during sync.WaitGroup
	for range 2 {
		during.Go(func() { count(postChat(quickClient(), b.url)) })
	}
	waitUntil(t, "two more requests reach OpenAI", func() bool { return sim.Stats().InFlight() == 3 })
	b.signal(t, syscall.SIGTERM)
	during.Wait()

	if code := b.exitWithin(t, 7*time.Second+margin); code != 1 {
		t.Errorf("exit %d, want 1: the drain overran its budget:\n%s", code, b.stdout)
	}
	if a := <-hung; a.err == nil {
		t.Errorf("the hanging request was answered %d, want its connection cut", a.status)
	}
	exported, found := receiver.successes()
	if n, errs := receiver.exports(); !found || len(errs) > 0 {
		t.Fatalf("%d exports, decoding errors %v; no %s among them:\n%s", n, errs, m.RequestsTotal, b.stdout)
	}
	mu.Lock()
	defer mu.Unlock()
	if exported != int64(succeeded) || succeeded < 3 {
		t.Errorf("exported %d successes, clients were answered %d", exported, succeeded)
	}
}

func TestSecondSignalExitsAtOnce(t *testing.T) {
	// A request hangs and SHUTDOWN_TIMEOUT is long: the first signal starts
	// the drain, the second ends the process at once with exit code 1 and
	// one log line.
	sim, simURL := hangingSimulator(t)
	b := startBackend(t, map[string]string{
		"SCANIUM_API_KEYS": clientKey, "OPENAI_API_KEY": "sk-x", "OPENAI_BASE_URL": simURL,
		"OPENAI_MAX_RETRIES": "0", "OTEL_ENABLED": "false", "SHUTDOWN_TIMEOUT": "120s",
	})
	holdChats(t, sim, b.url, 1)
	b.signal(t, syscall.SIGTERM)
	waitUntil(t, "the backend starts draining", func() bool { return strings.Contains(b.stdout.String(), "shutting down") })
	b.signal(t, syscall.SIGINT)
	if code := b.exitWithin(t, margin); code != 1 {
		t.Errorf("exit %d after a second signal, want 1", code)
	}
	if n := strings.Count(b.stdout.String(), `"msg":"second signal`); n != 1 {
		t.Errorf("%d log lines about the second signal, want 1:\n%s", n, b.stdout)
	}
}
