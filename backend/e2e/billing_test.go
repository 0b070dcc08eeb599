package e2e

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/scanium/openai-monitoring/backend/internal/billing"
	"github.com/scanium/openai-monitoring/backend/internal/livetest"
	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/backend/openaisim"
	"github.com/scanium/openai-monitoring/backend/openaisim/simtest"
	"github.com/scanium/openai-monitoring/dashboards-as-code/queries"
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
	backend := livetest.Start(t, metricsOnlyBackend(port, simURL, prom, "500"), backendBin)
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

// TestReconciliationGapIsTheBypassedShare runs the dashboard's gap query of
// the last complete UTC day against what the backend and the billing
// exporter really sent to Prometheus 3. Four chat requests go through the
// backend binary, one straight to the simulator, as traffic that bypasses the
// backend would: OpenAI's bill (the simulator's) then exceeds the estimate
// by that call, and the gap is the share computed by hand from the backend's
// tokens at the simulator's list prices (which the dashboards' price table
// equals, see dashboards-as-code's tests).
//
// The traffic is today's; the query is asked as 00:00:01 UTC tomorrow sees
// it, when today is the last complete day, and the exporter's poller is
// given that clock. The estimate's increase() extrapolates past the last
// sample by half a sample interval, so the gap may differ from the hand
// computation by up to that share, bounded from the samples' count.
func TestReconciliationGapIsTheBypassedShare(t *testing.T) {
	awayFromMidnight(t)
	prom := livetest.StartPrometheus(t)
	sim, simURL := simtest.Start(t, openaisim.Config{})
	bin := livetest.BuildBinary(t, "./backend/cmd/scanium-backend")
	port := livetest.FreePort(t)
	backend := livetest.Start(t, metricsOnlyBackend(port, simURL, prom, "100"), bin)
	s := &stack{prom: prom, sim: sim, backend: backend, url: fmt.Sprintf("http://127.0.0.1:%d", port)}
	livetest.WaitHTTP(t, backend, s.url+"/readyz", 30*time.Second)

	// The counters' first samples are 0, before any traffic: increase()
	// then has nothing to extrapolate towards the day's start.
	tokens := func(tokenType string) string {
		return fmt.Sprintf(`%s{job="scanium-backend", %s="%s", %s="%s"}`, m.TokensTotal, m.LabelModel, model, m.LabelTokenType, tokenType)
	}
	waitFor(t, 30*time.Second, func() bool {
		v, ok := queryOne(t, prom, tokens(m.TokenInput))
		return ok && v == 0
	})
	const viaBackend = 4
	for range viaBackend {
		if r := s.chat(t, question); r.status != 200 {
			t.Fatalf("chat: status %d %s", r.status, r.code)
		}
	}
	bypass(t, simURL)
	// Samples keep coming after the traffic, so that the extrapolation of
	// half an interval is a small share of the sampled span.
	time.Sleep(5 * time.Second)
	s.shutdown(t)

	today := time.Now().UTC().Truncate(24 * time.Hour)
	at := today.Add(24*time.Hour + time.Second)
	exportBill(t, prom, simURL, at)

	bill := sim.Bill(today)
	if len(bill.Models) != 1 || bill.Models[0].Requests != viaBackend+1 {
		t.Fatalf("the simulator billed %+v, want %d requests of %s", bill, viaBackend+1, model)
	}
	counted := map[string]int64{}
	for _, tt := range []string{m.TokenInput, m.TokenCachedInput, m.TokenOutput} {
		v, ok := queryOne(t, prom, tokens(tt))
		if !ok {
			t.Fatalf("no %s", tokens(tt))
		}
		counted[tt] = int64(v)
	}
	price, ok := openaisim.PriceOf(model)
	if !ok {
		t.Fatalf("the simulator has no price of %s", model)
	}
	estimate := price.Cost(counted[m.TokenInput], counted[m.TokenCachedInput], counted[m.TokenOutput])
	wantGap := 100 * (estimate - bill.CostUSD) / bill.CostUSD
	if wantGap > -5 {
		t.Fatalf("hand-computed gap %.2f %%: the bypassing call should be about a fifth of the bill", wantGap)
	}

	gapQuery, billedQuery := reconciliationQueries(t)
	samples, err := prom.QueryAt(context.Background(), fmt.Sprintf("count_over_time(%s[1d])", tokens(m.TokenInput)), at)
	if err != nil || len(samples) != 1 || samples[0].Value < 10 {
		t.Fatalf("samples of the day: %+v %v", samples, err)
	}
	// increase() extrapolates by half the mean interval past the last of n
	// samples: at most 1/(2(n-1)) of the estimate.
	n := samples[0].Value
	tolerance := 100*estimate/bill.CostUSD/(2*(n-1)) + 0.05

	billed := queryAt(t, prom, billedQuery, at)
	if math.Abs(billed-bill.CostUSD) > 1e-9 {
		t.Errorf("billed query = %v, want the simulator's bill %v", billed, bill.CostUSD)
	}
	gap := queryAt(t, prom, gapQuery, at)
	if math.Abs(gap-wantGap) > tolerance {
		t.Errorf("gap query = %.3f %%, want %.3f %% (± %.3f) computed by hand: estimate %.6f USD, bill %.6f USD",
			gap, wantGap, tolerance, estimate, bill.CostUSD)
	}
	t.Logf("gap %.3f %%, by hand %.3f %% (± %.3f, %v samples); bill %.6f USD", gap, wantGap, tolerance, n, bill.CostUSD)
	// Asked now, today is not complete: nothing is compared.
	if samples, err := prom.Query(context.Background(), gapQuery); err != nil || len(samples) != 0 {
		t.Errorf("gap query now: %+v %v, want no data before the day is complete", samples, err)
	}
}

// metricsOnlyBackend is the environment of a backend binary on port that
// calls the simulator at simURL and exports its metrics, alone, to prom
// every exportMillis.
func metricsOnlyBackend(port int, simURL string, prom *livetest.Prometheus, exportMillis string) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"PORT=" + strconv.Itoa(port),
		"SCANIUM_API_KEYS=" + clientKey,
		"OPENAI_API_KEY=" + openAIKey,
		"OPENAI_BASE_URL=" + simURL,
		"OPENAI_MODEL=" + model,
		"OTEL_EXPORTER_OTLP_ENDPOINT=" + prom.OTLPEndpoint(),
		"OTEL_METRIC_EXPORT_INTERVAL=" + exportMillis,
		"OTEL_RESOURCE_ATTRIBUTES=service.instance.id=" + hostName,
		"OTEL_TRACES_EXPORTER=none",
		"OTEL_LOGS_EXPORTER=none",
	}
}

// awayFromMidnight waits until the test's traffic cannot straddle 00:00 UTC.
func awayFromMidnight(t *testing.T) {
	t.Helper()
	now := time.Now().UTC()
	sinceMidnight := now.Sub(now.Truncate(24 * time.Hour))
	if sinceMidnight < time.Minute || sinceMidnight > 24*time.Hour-2*time.Minute {
		wait := 24*time.Hour - sinceMidnight + time.Minute
		if sinceMidnight < time.Minute {
			wait = time.Minute - sinceMidnight
		}
		t.Logf("waiting %v, away from midnight UTC", wait.Round(time.Second))
		time.Sleep(wait)
	}
}

func waitFor(t *testing.T, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// bypass makes one chat completion straight to the simulator, as a caller
// other than the backend would.
func bypass(t *testing.T, simURL string) {
	t.Helper()
	cfg := openai.DefaultConfig(openAIKey)
	cfg.BaseURL = simURL
	_, err := openai.NewClientWithConfig(cfg).CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{
		Model:    model,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "Describe this lamp for a listing."}},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// exportBill polls the simulator's Costs and Usage APIs as the billing
// exporter does, with a clock at `at`, and exports the day it finds to
// Prometheus through the exporter's gauges and the OTel SDK.
func exportBill(t *testing.T, prom *livetest.Prometheus, simURL string, at time.Time) {
	t.Helper()
	env := map[string]string{
		billing.EnvAdminKey:    billingAdminKey,
		"OPENAI_BASE_URL":      simURL,
		billing.EnvSettleDelay: "0s",
	}
	cfg, err := billing.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok }, hostName)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	d, err := billing.NewPoller(cfg, billing.PollerOptions{Now: func() time.Time { return at }}).Poll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	exp, err := otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(prom.OTLPEndpoint()+"/v1/metrics"))
	if err != nil {
		t.Fatal(err)
	}
	res := resource.NewSchemaless(
		attribute.String("service.name", billing.DefaultServiceName),
		attribute.String("service.instance.id", hostName))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithResource(res), sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp)))
	gauges, err := billing.NewGauges(mp)
	if err != nil {
		t.Fatal(err)
	}
	gauges.Set(d)
	if err := mp.Shutdown(ctx); err != nil { // the final export
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, func() bool {
		_, ok := queryOne(t, prom, m.BilledCostUSD)
		return ok
	})
}

// reconciliationQueries are the dashboard's gap and billed queries of the
// last complete UTC day, as committed.
func reconciliationQueries(t *testing.T) (gap, billed string) {
	t.Helper()
	qs, err := queries.Load(filepath.Join(livetest.RepoRoot(t), "dashboards-as-code", "generated"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range qs {
		if q.Source.Kind != queries.Panel || !q.Billing {
			continue
		}
		switch {
		case strings.HasPrefix(q.Source.Title, "Estimate vs bill gap"):
			gap = q.Expr
		case strings.HasPrefix(q.Source.Title, "Estimated vs billed") && q.Expr == strings.TrimSpace(q.Expr) && strings.HasPrefix(q.Expr, "max(last_over_time("+m.BilledCostUSD):
			billed = q.Expr
		}
	}
	if gap == "" || billed == "" {
		t.Fatalf("the dashboard has no gap (%q) or billed (%q) query of the last complete day", gap, billed)
	}
	return gap, billed
}

func queryAt(t *testing.T, p *livetest.Prometheus, expr string, at time.Time) float64 {
	t.Helper()
	samples, err := p.QueryAt(context.Background(), expr, at)
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != 1 {
		t.Fatalf("%s at %v: %d series, want one: %+v", expr, at, len(samples), samples)
	}
	return samples[0].Value
}
