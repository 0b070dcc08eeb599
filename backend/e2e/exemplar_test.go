package e2e

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/scanium/openai-monitoring/backend/internal/livetest"
	"github.com/scanium/openai-monitoring/backend/internal/otlptest"
	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/backend/openaisim"
	"github.com/scanium/openai-monitoring/backend/openaisim/simtest"
)

// From a latency point to its request: the backend binary exports metrics
// to Prometheus 3 (exemplar storage on, as Mimir keeps them) and spans to an
// OTLP receiver, as Alloy splits them between Mimir and Tempo. Each
// exemplar of the duration histogram names the trace and span of one OpenAI
// attempt that the backend exported: the link Grafana follows from a dot on
// the latency panel to the trace in Tempo.
func TestExemplarNamesTheSpanOfItsAttempt(t *testing.T) {
	prom := livetest.StartPrometheus(t)
	sim, simURL := simtest.Start(t, openaisim.Config{})
	traces := otlptest.New(t)

	bin := livetest.BuildBinary(t, "./backend/cmd/scanium-backend")
	port := livetest.FreePort(t)
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"PORT=" + strconv.Itoa(port),
		"SCANIUM_API_KEYS=" + clientKey,
		"OPENAI_API_KEY=" + openAIKey,
		"OPENAI_BASE_URL=" + simURL,
		"OPENAI_MODEL=" + model,
		"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT=" + prom.OTLPEndpoint() + "/v1/metrics",
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=" + traces.URL + "/v1/traces",
		"OTEL_LOGS_EXPORTER=none",
		"OTEL_METRIC_EXPORT_INTERVAL=500",
	}
	backend := livetest.Start(t, env, bin)
	s := &stack{prom: prom, sim: sim, backend: backend, url: fmt.Sprintf("http://127.0.0.1:%d", port)}
	livetest.WaitHTTP(t, backend, s.url+"/readyz", 30*time.Second)
	const calls = 3
	for range calls {
		if r := s.chat(t, question); r.status != 200 {
			t.Fatalf("chat: status %d %s", r.status, r.code)
		}
	}
	s.shutdown(t) // the final export carries every span and sample

	attempts := map[string]bool{} // trace id/span id of each exported OpenAI attempt
	for _, span := range otlptest.SpanNamed(traces.Spans(), m.ChatSpanName(model)) {
		attempts[otlptest.Hex(span.TraceId)+"/"+otlptest.Hex(span.SpanId)] = true
	}
	if len(attempts) != calls {
		t.Fatalf("%d OpenAI attempt spans exported, want %d", len(attempts), calls)
	}
	exemplars, err := prom.QueryExemplars(context.Background(), m.Bucket(m.RequestDurationSeconds))
	if err != nil {
		t.Fatal(err)
	}
	if len(exemplars) == 0 {
		t.Fatalf("Prometheus holds no exemplar of %s:\n%s", m.Bucket(m.RequestDurationSeconds), backend.Output())
	}
	for _, e := range exemplars {
		id := e.Labels["trace_id"] + "/" + e.Labels["span_id"]
		if !attempts[id] {
			t.Errorf("exemplar %v (value %v) names no exported attempt span; attempts: %v", e.Labels, e.Value, attempts)
		}
	}
}
