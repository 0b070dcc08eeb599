package capacity

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/backend/config"
	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

var update = flag.Bool("update", false, "rewrite "+DocFile)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no repository root at %s", root)
	}
	return root
}

func bundleInputs(t *testing.T) Inputs {
	t.Helper()
	lim, err := BundleLimits(repoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	return Inputs{ExportInterval: config.DefaultExportInterval, CodesPerRoute: DefaultCodesPerRoute, Limits: lim, Request: Request}
}

// TestCapacityDoc: docs/capacity.md is what the model renders from the
// contract and the stores' configurations.
func TestCapacityDoc(t *testing.T) {
	got, err := Render(bundleInputs(t))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(repoRoot(t), DocFile)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != got {
		t.Errorf("%s is stale: run `go test ./backend/internal/capacity -run TestCapacityDoc -update` and commit it", DocFile)
	}
}

// TestProviderSeriesFollowTheContract derives, from the contract's own
// lists, what the Recorder must export for one model, and checks the
// model's counts (made by recording through the real Recorder) against it:
// a label value, bucket or instrument the Recorder and the contract
// disagree on fails here.
func TestProviderSeriesFollowTheContract(t *testing.T) {
	got, err := ProviderInstruments(Outcomes())
	if err != nil {
		t.Fatal(err)
	}
	outcomes := Outcomes()
	type pair struct {
		stream bool
		status string
	}
	pairs := map[pair]bool{}
	streamedStatuses := map[string]bool{}
	for _, o := range outcomes {
		pairs[pair{o.Stream, o.Status}] = true
		if o.Stream {
			streamedStatuses[o.Status] = true
		}
	}
	want := map[string]Instrument{
		m.RequestsTotal:           {Kind: m.Counter, Points: len(outcomes)},
		m.RequestDurationSeconds:  {Kind: m.Histogram, Points: len(pairs), Buckets: len(m.DurationBuckets())},
		m.TimeToFirstTokenSeconds: {Kind: m.Histogram, Points: len(streamedStatuses), Buckets: len(m.FirstTokenBuckets())},
		m.TokensTotal:             {Kind: m.Counter, Points: len(m.TokenTypes())},
	}
	for _, in := range m.Instruments() {
		if in.Recorder == m.RecorderProvider && in.Kind == m.Gauge {
			want[in.Name] = Instrument{Kind: m.Gauge, Points: 1} // one limit_type each
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d provider instruments, want %d", len(got), len(want))
	}
	for _, in := range got {
		w, ok := want[in.Name]
		if !ok {
			t.Errorf("%s: not a provider instrument of the contract", in.Name)
			continue
		}
		if in.Kind != w.Kind || in.Points != w.Points || in.Buckets != w.Buckets {
			t.Errorf("%s: %+v, want %d points, %d buckets", in.Name, in, w.Points, w.Buckets)
		}
	}
	// For each stream value, success and each error type; cancelled for
	// streamed calls only.
	if n := len(m.Streams())*(1+len(m.ErrorTypes())) + 1; n != len(outcomes) {
		t.Errorf("%d outcomes, want %d", len(outcomes), n)
	}
}

// TestModelCountsBucketsAndBackends: a histogram point is its buckets,
// +Inf, _sum and _count; backends multiply everything but the billing
// exporter's series.
func TestModelCountsBucketsAndBackends(t *testing.T) {
	if got := SeriesPerPoint(m.Histogram, 19); got != 22 {
		t.Errorf("a histogram point with 19 bounds = %d series, want 22", got)
	}
	in := bundleInputs(t)
	one, err := MetricsOf(Deployment{Backends: 1, Models: 1, Billing: true, ExportInterval: in.ExportInterval, CodesPerRoute: in.CodesPerRoute})
	if err != nil {
		t.Fatal(err)
	}
	four, err := MetricsOf(Deployment{Backends: 4, Models: 2, Billing: true, ExportInterval: in.ExportInterval, CodesPerRoute: in.CodesPerRoute})
	if err != nil {
		t.Fatal(err)
	}
	if four.SeriesPerBackend != one.SeriesPerBackend {
		t.Errorf("series per backend %d with four, %d with one", four.SeriesPerBackend, one.SeriesPerBackend)
	}
	if want := 4*one.SeriesPerBackend + four.BillingSeries; four.Series != want {
		t.Errorf("four backends = %d series, want %d", four.Series, want)
	}
	// Two models bill twice the per-model series, once the global ones.
	perModel := 1 + len(m.BilledTokenTypes())
	if four.BillingSeries-one.BillingSeries != perModel {
		t.Errorf("a second model adds %d billing series, want %d", four.BillingSeries-one.BillingSeries, perModel)
	}
	if _, err := MetricsOf(Deployment{}); err == nil {
		t.Error("an empty deployment was modelled")
	}
}

// TestLimitsAreTheConfigs: the limits come from the shipped configurations.
func TestLimitsAreTheConfigs(t *testing.T) {
	lim := bundleInputs(t).Limits
	if lim.MimirSeries <= 0 || lim.MimirRetention <= 0 || lim.LokiBytesPerSec <= 0 || lim.LokiRetention <= 0 || lim.TempoRetention <= 0 {
		t.Fatalf("limits %+v", lim)
	}
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), LokiConfig))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "ingestion_rate_mb:") {
		t.Fatal("loki.yaml has no ingestion_rate_mb: the model would read 0")
	}
	dir := t.TempDir()
	for _, f := range []string{LokiConfig, TempoConfig} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, LokiConfig), []byte("limits_config:\n  ingestion_rate_mb: 4\n  retention_period: soon\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := BundleLimits(dir); err == nil || !strings.Contains(err.Error(), "retention_period") {
		t.Errorf("a bad retention: %v, want an error naming it", err)
	}
}
