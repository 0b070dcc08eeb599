package billing

import (
	"context"
	"slices"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

func collect(t *testing.T, reader *sdkmetric.ManualReader) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		for _, mt := range sm.Metrics {
			out[mt.Name] = mt
		}
	}
	return out
}

// points returns a gauge's points by their attribute set, rendered.
func points[N int64 | float64](t *testing.T, mt metricdata.Metrics) map[attribute.Distinct]metricdata.DataPoint[N] {
	t.Helper()
	g, ok := mt.Data.(metricdata.Gauge[N])
	if !ok {
		t.Fatalf("%s is a %T, want a gauge", mt.Name, mt.Data)
	}
	out := map[attribute.Distinct]metricdata.DataPoint[N]{}
	for _, p := range g.DataPoints {
		out[p.Attributes.Equivalent()] = p
	}
	return out
}

func TestGaugesExportTheContractsBilledMetrics(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	g, err := NewGauges(mp)
	if err != nil {
		t.Fatal(err)
	}
	for name, mt := range collect(t, reader) {
		if g, ok := mt.Data.(metricdata.Gauge[int64]); ok && len(g.DataPoints) > 0 {
			t.Errorf("%s has points before any poll", name)
		}
		if g, ok := mt.Data.(metricdata.Gauge[float64]); ok && len(g.DataPoints) > 0 {
			t.Errorf("%s has points before any poll", name)
		}
	}

	d := Day{
		Start:   time.Date(2026, 8, 14, 0, 0, 0, 0, time.UTC),
		CostUSD: 3.5,
		Models: map[string]Usage{
			"gpt-4o-mini-2024-07-18": {Requests: 40, InputTokens: 12_000, CachedInputTokens: 2_048, OutputTokens: 3_000},
			"o3-2025-04-16":          {Requests: 2, InputTokens: 900, OutputTokens: 4_500},
		},
	}
	g.Set(d)
	got := collect(t, reader)
	for _, in := range m.Instruments() {
		if in.Recorder != m.RecorderBilling {
			continue
		}
		mt, ok := got[in.Name]
		if !ok {
			t.Errorf("%s was not exported", in.Name)
			continue
		}
		if mt.Unit != in.Unit || mt.Description != in.Description {
			t.Errorf("%s: unit %q, description %q; the contract says %q, %q", in.Name, mt.Unit, mt.Description, in.Unit, in.Description)
		}
	}
	if len(got) != 4 {
		t.Errorf("%d metrics exported, want the contract's four billed ones", len(got))
	}

	for _, p := range points[float64](t, got[m.BilledCostUSD]) {
		if p.Value != d.CostUSD || p.Attributes.Len() != 0 {
			t.Errorf("cost point %v %v, want %v without labels", p.Value, p.Attributes.ToSlice(), d.CostUSD)
		}
	}
	start := points[int64](t, got[m.BilledDayStartTimestampSeconds])
	if len(start) != 1 {
		t.Fatalf("%d day start points, want 1", len(start))
	}
	for _, p := range start {
		if p.Value != d.Start.Unix() || p.Attributes.Len() != 0 {
			t.Errorf("day start %v %v, want %v without labels", p.Value, p.Attributes.ToSlice(), d.Start.Unix())
		}
	}

	requests := points[int64](t, got[m.BilledRequests])
	tokens := points[int64](t, got[m.BilledTokens])
	if len(requests) != len(d.Models) || len(tokens) != len(d.Models)*len(m.BilledTokenTypes()) {
		t.Fatalf("%d request and %d token points, want one per model and one per model and billed token type", len(requests), len(tokens))
	}
	for model, u := range d.Models {
		modelAttr := attribute.String(m.LabelModel, model)
		modelSet := attribute.NewSet(modelAttr)
		if p := requests[modelSet.Equivalent()]; p.Value != u.Requests {
			t.Errorf("%s requests = %v, want %v", model, p.Value, u.Requests)
		}
		want := map[string]int64{m.TokenInput: u.InputTokens, m.TokenCachedInput: u.CachedInputTokens, m.TokenOutput: u.OutputTokens}
		for _, tokenType := range m.BilledTokenTypes() {
			set := attribute.NewSet(modelAttr, attribute.String(m.LabelTokenType, tokenType))
			p, ok := tokens[set.Equivalent()]
			if !ok || p.Value != want[tokenType] {
				t.Errorf("%s %s tokens = %v (found %v), want %v", model, tokenType, p.Value, ok, want[tokenType])
			}
		}
	}
	for _, in := range m.Instruments() {
		if in.Name != m.BilledTokens {
			continue
		}
		for _, p := range tokens {
			for _, kv := range p.Attributes.ToSlice() {
				if !slices.Contains(in.Labels, string(kv.Key)) {
					t.Errorf("%s carries %s, which the contract does not declare", in.Name, kv.Key)
				}
			}
		}
	}

	// A later day replaces the models, it does not add to them.
	g.Set(Day{Start: d.Start.Add(day), CostUSD: 0, Models: map[string]Usage{}})
	got = collect(t, reader)
	if mt, ok := got[m.BilledRequests]; ok && len(points[int64](t, mt)) != 0 {
		t.Errorf("%d request points after a day without traffic, want none", len(points[int64](t, mt)))
	}
	for _, p := range points[int64](t, got[m.BilledDayStartTimestampSeconds]) {
		if p.Value != d.Start.Add(day).Unix() {
			t.Errorf("day start %v, want the new day", p.Value)
		}
	}
}
