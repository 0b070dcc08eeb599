package app

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/backend/openaisim"
)

// TestBuiltInSimulatorInjectsSIMFaults runs the backend without an OpenAI
// key, so that its built-in simulator answers, with SIM_FAULTS forcing a
// 500 on every call, then turning faults off: every chat is answered with
// the provider's error, counted in the requests counter as errors, or none
// is.
func TestBuiltInSimulatorInjectsSIMFaults(t *testing.T) {
	const chats = 5
	for _, tc := range []struct {
		name, faults, banner string
		status               int
		code                 string
		errors, successes    int64
	}{
		{"every call a 500", "500:1", "faults 500:1", http.StatusServiceUnavailable, m.ErrorProviderUnavailable, chats, 0},
		{"every call a 429", "429:1", "faults 429:1", http.StatusTooManyRequests, m.ErrorRateLimited, chats, 0},
		{"none", "none", "no faults", http.StatusOK, "", 0, chats},
		{"set empty", "", "no faults", http.StatusOK, "", 0, chats},
	} {
		t.Run(tc.name, func(t *testing.T) {
			receiver := newOTLPReceiver(t)
			b := startBackend(t, map[string]string{
				"SCANIUM_API_KEYS": clientKey, "OPENAI_MAX_RETRIES": "0",
				"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url, "OTEL_METRIC_EXPORT_INTERVAL": "60000",
				"OTEL_TRACES_EXPORTER": "none", "OTEL_LOGS_EXPORTER": "none",
				"SIM_FAULTS": tc.faults, "SIM_LATENCY_MEDIAN": "0", "SIM_PACE": "0",
			})
			if !strings.Contains(b.stdout.String(), "built-in OpenAI simulator") || !strings.Contains(b.stdout.String(), tc.banner) {
				t.Errorf("the banner does not say %q:\n%s", tc.banner, b.stdout)
			}
			for range chats {
				a := postChat(quickClient(), b.url)
				if a.err != nil || a.status != tc.status || a.code != tc.code {
					t.Fatalf("chat: %d %q %v, want %d %q", a.status, a.code, a.err, tc.status, tc.code)
				}
			}
			if code := b.stop(t); code != 0 {
				t.Fatalf("exit %d:\n%s", code, b.stderr)
			}
			// The final export at shutdown carries every call.
			errorType := ""
			if tc.errors > 0 {
				errorType = tc.code
			}
			if got, found := receiver.requestsWith(m.StatusError, errorType); !found || got != tc.errors {
				t.Errorf("error requests with error_type %q: %d (found %v), want %d", errorType, got, found, tc.errors)
			}
			if got, _ := receiver.requestsWith(m.StatusSuccess, ""); got != tc.successes {
				t.Errorf("successful requests: %d, want %d", got, tc.successes)
			}
		})
	}
}

func TestBuiltInSimulatorDefaultsToTheDemoFaults(t *testing.T) {
	c, err := simulatorConfig(envOf(map[string]string{"SCANIUM_API_KEYS": clientKey}))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.FaultRates.String(), openaisim.DemoFaultRates().String(); got != want || got == "" {
		t.Errorf("default faults %q, want the demo's %q", got, want)
	}
	if c.Latency.Median != openaisim.DefaultConfig().Latency.Median {
		t.Errorf("default latency %s, want the simulator's default", c.Latency.Median)
	}
}

func TestBadSIMFaultsStopsTheBackendWithoutAKey(t *testing.T) {
	var stderr bytes.Buffer
	code := Run(Env{Args: []string{"scanium-backend"}, Stdout: io.Discard, Stderr: &stderr, HostName: os.Hostname,
		Lookup: envOf(map[string]string{"SCANIUM_API_KEYS": clientKey, "SIM_FAULTS": "500:0.5,429:0.9", "SIM_SEED": "x"})})
	if code != 1 || !strings.Contains(stderr.String(), "add up to 1.4") || !strings.Contains(stderr.String(), `SIM_SEED="x"`) {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}

func TestSIMVariablesAreIgnoredWithAKey(t *testing.T) {
	c, err := simulatorConfig(envOf(map[string]string{"SIM_FAULTS": "nonsense"}))
	if err == nil {
		t.Fatalf("a bad SIM_FAULTS read as %s", c.FaultRates)
	}
	b := startBackend(t, map[string]string{
		"SCANIUM_API_KEYS": clientKey, "OTEL_ENABLED": "false", "OPENAI_API_KEY": "sk-x",
		"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "SIM_FAULTS": "nonsense",
	})
	if code := b.stop(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
}
