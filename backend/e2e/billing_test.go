package e2e

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scanium/openai-monitoring/backend/internal/billing"
	"github.com/scanium/openai-monitoring/backend/internal/livetest"
	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/backend/openaisim"
	"github.com/scanium/openai-monitoring/backend/openaisim/simtest"
)

const billingAdminKey = "sk-admin-e2e-3c9a71f0"

// The reconciliation end to end: the backend binary answers through the
// simulator, whose clock puts the traffic on yesterday (UTC), a complete
// day; the billing exporter binary polls the simulator's Costs and Usage
// APIs and exports to Prometheus 3. The billed metrics carry the
// simulator's bill of that day, and the backend's token counters agree
// with the billed tokens.
func TestBilledMetricsReachPrometheus(t *testing.T) {
	prom := livetest.StartPrometheus(t)
	yesterday := time.Now().UTC().Truncate(24 * time.Hour).Add(-24 * time.Hour)
	clock := openaisim.NewManualClock(yesterday.Add(12 * time.Hour))
	sim, simURL := simtest.Start(t, openaisim.Config{Now: clock.Now})

	backendBin := livetest.BuildBinary(t, "./backend/cmd/scanium-backend")
	billingBin := livetest.BuildBinary(t, "./backend/cmd/openai-billing")
	port := livetest.FreePort(t)
	backend := livetest.Start(t, []string{
		"PATH=" + os.Getenv("PATH"),
		"PORT=" + strconv.Itoa(port),
		"SCANIUM_API_KEYS=" + clientKey,
		"OPENAI_API_KEY=" + openAIKey,
		"OPENAI_BASE_URL=" + simURL,
		"OPENAI_MODEL=" + model,
		"OTEL_EXPORTER_OTLP_ENDPOINT=" + prom.OTLPEndpoint(),
		"OTEL_METRIC_EXPORT_INTERVAL=500",
		"OTEL_TRACES_EXPORTER=none",
		"OTEL_LOGS_EXPORTER=none",
	}, backendBin)
	s := &stack{prom: prom, sim: sim, backend: backend, url: fmt.Sprintf("http://127.0.0.1:%d", port)}
	livetest.WaitHTTP(t, backend, s.url+"/readyz", 30*time.Second)
	const calls = 4
	for range calls {
		if r := s.chat(t, question); r.status != 200 {
			t.Fatalf("chat: status %d %s", r.status, r.code)
		}
	}
	s.shutdown(t) // the backend's final export carries every token
	bill := sim.Bill(yesterday)
	if len(bill.Models) != 1 || bill.Models[0].Requests != calls || bill.CostUSD <= 0 {
		t.Fatalf("the simulator billed %+v, want %d requests of %s", bill, calls, model)
	}

	exporter := livetest.Start(t, []string{
		"PATH=" + os.Getenv("PATH"),
		billing.EnvAdminKey + "=" + billingAdminKey,
		"OPENAI_BASE_URL=" + simURL,
		billing.EnvSettleDelay + "=0s",
		"OTEL_EXPORTER_OTLP_ENDPOINT=" + prom.OTLPEndpoint(),
		"OTEL_METRIC_EXPORT_INTERVAL=500",
		"OTEL_RESOURCE_ATTRIBUTES=service.instance.id=" + hostName,
	}, billingBin)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(exporter.Output(), `"msg":"OpenAI billing polled"`) {
		if time.Now().After(deadline) || strings.Contains(exporter.Output(), "poll failed") {
			t.Fatalf("the exporter did not poll the simulator:\n%s", exporter.Output())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := exporter.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := exporter.Wait(30 * time.Second); err != nil {
		t.Fatalf("the exporter did not exit cleanly on SIGTERM: %v\n%s", err, exporter.Output())
	}

	sel := fmt.Sprintf(`job="%s", instance="%s"`, billing.DefaultServiceName, hostName)
	billed := bill.Models[0]
	for expr, want := range map[string]float64{
		fmt.Sprintf("%s{%s}", m.BilledCostUSD, sel):                                                                                    bill.CostUSD,
		fmt.Sprintf("%s{%s}", m.BilledDayStartTimestampSeconds, sel):                                                                   float64(yesterday.Unix()),
		fmt.Sprintf(`%s{%s, %s="%s"}`, m.BilledRequests, sel, m.LabelModel, billed.Model):                                              float64(billed.Requests),
		fmt.Sprintf(`%s{%s, %s="%s", %s="%s"}`, m.BilledTokens, sel, m.LabelModel, billed.Model, m.LabelTokenType, m.TokenInput):       float64(billed.InputTokens),
		fmt.Sprintf(`%s{%s, %s="%s", %s="%s"}`, m.BilledTokens, sel, m.LabelModel, billed.Model, m.LabelTokenType, m.TokenCachedInput): float64(billed.CachedInputTokens),
		fmt.Sprintf(`%s{%s, %s="%s", %s="%s"}`, m.BilledTokens, sel, m.LabelModel, billed.Model, m.LabelTokenType, m.TokenOutput):      float64(billed.OutputTokens),
	} {
		if got, ok := queryOne(t, prom, expr); !ok || got != want {
			t.Errorf("%s = %v (found %v), want the simulator's %v", expr, got, ok, want)
		}
	}
	// What the backend counted is what OpenAI billed.
	for _, tc := range []struct {
		tokenType string
		billed    int64
	}{{m.TokenInput, billed.InputTokens}, {m.TokenOutput, billed.OutputTokens}} {
		expr := fmt.Sprintf(`sum(%s{%s="%s", %s="%s", job="scanium-backend"})`, m.TokensTotal, m.LabelModel, model, m.LabelTokenType, tc.tokenType)
		if got, ok := queryOne(t, prom, expr); !ok || got != float64(tc.billed) || tc.billed == 0 {
			t.Errorf("%s = %v (found %v), want the billed %d", expr, got, ok, tc.billed)
		}
	}
	if out := exporter.Output(); strings.Contains(out, billingAdminKey) {
		t.Errorf("the exporter's output shows the admin key:\n%s", out)
	}
}
