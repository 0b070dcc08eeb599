package alerts_test

import (
	"testing"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/alerttest"
)

func TestLatencyRule(t *testing.T) {
	rule := generatedRules(t)["OpenAIHighLatency"]
	model := instance(m.LabelModel, priced)
	// slow: 10% of requests take 7s, so p95 falls between 5s and 7.5s.
	slow := map[float64]float64{0.8: 90, 7: 10}
	// fast: p95 under 2s.
	fast := map[float64]float64{0.4: 60, 1.2: 35, 1.8: 5}

	tests := []struct {
		name     string
		series   []string
		from, to int
		want     []string
		state    alerttest.State
	}{
		{name: "p95 above 5s for 10m fires", series: latency(priced, slow, 30), to: 30, want: []string{model}, state: alerttest.Alerting},
		{name: "p95 above 5s for less than 10m is pending", series: latency(priced, slow, 30), to: 8, state: alerttest.Pending},
		{name: "p95 under 5s stays quiet", series: latency(priced, fast, 30), to: 30, state: alerttest.Normal},
		// No request in the window: every bucket rate is 0, the quantile is
		// NaN, the reduce drops it: no data for the model, hence OK.
		{name: "no requests is no data", series: latency(priced, map[float64]float64{}, 30), from: 20, to: 30, state: alerttest.Normal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := run(t, rule, storageOf(t, tt.series...), tt.from, tt.to)
			assertFiring(t, rule, out, tt.want...)
			assertState(t, rule, out, model, tt.state)
		})
	}
}

func TestLatencyWithoutRequestsIsNoDataForTheModel(t *testing.T) {
	rule := generatedRules(t)["OpenAIHighLatency"]
	out := run(t, rule, storageOf(t, latency(priced, map[float64]float64{}, 30)...), 30, 30)
	inst, ok := out.Last.Instances[instance(m.LabelModel, priced)]
	if !ok || inst.Value != nil {
		t.Fatalf("instance %+v (present %v), want a NaN dropped to no data", inst, ok)
	}
}
