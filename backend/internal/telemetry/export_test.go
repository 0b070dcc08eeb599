package telemetry

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/scanium/openai-monitoring/backend/config"
)

// blackHole accepts connections and never answers, until the test ends.
func blackHole(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String()
}

func TestExportsToABlackHoleEndWithinTheExportTimeout(t *testing.T) {
	// Neither a periodic export (here forced, as the reader runs one) nor
	// the final one (metrics, spans and log records at once) waits on a silent endpoint longer than the export
	// timeout, retries included; both report the failure.
	const timeout = 500 * time.Millisecond
	const margin = 8 * time.Second // generous: the bound matters, not the speed
	tel, err := Setup(context.Background(), loadConfig(t,
		config.EnvOTLPEndpoint, blackHole(t), config.EnvOTLPTimeout, "500", config.EnvMetricExportInterval, "3600000",
	), Info{})
	if err != nil {
		t.Fatal(err)
	}
	counter, err := tel.MeterProvider.Meter("test").Int64Counter("test_total")
	if err != nil {
		t.Fatal(err)
	}
	counter.Add(context.Background(), 1)
	// The final export carries a queued span and log record too, within the
	// same budget.
	_, span := tel.TracerProvider.Tracer("test").Start(context.Background(), "work")
	span.End()
	slog.New(tel.LogHandler(slog.DiscardHandler, slog.LevelInfo)).Info("queued")

	for _, step := range []struct {
		name string
		run  func() error
	}{
		{"periodic", func() error { return tel.sdk.ForceFlush(context.Background()) }},
		{"final", func() error { return tel.Shutdown(context.Background()) }},
	} {
		done := make(chan error, 1)
		go func() { done <- step.run() }()
		select {
		case err := <-done:
			if err == nil {
				t.Errorf("%s export to a black hole reported no error", step.name)
			}
		case <-time.After(timeout + margin):
			t.Fatalf("%s export still waiting on a black hole %s after it began; its timeout is %s", step.name, timeout+margin, timeout)
		}
	}
}

func TestExportRetryStopsWithinTheTimeout(t *testing.T) {
	r := exportRetry(3 * time.Second)
	if !r.Enabled || r.MaxElapsedTime != 3*time.Second || r.InitialInterval <= 0 || r.MaxInterval > r.MaxElapsedTime {
		t.Errorf("retry %+v: want enabled and bounded by the timeout", r)
	}
}
