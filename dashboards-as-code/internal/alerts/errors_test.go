package alerts_test

import (
	"testing"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/alerttest"
)

func TestErrorRateRules(t *testing.T) {
	rules := generatedRules(t)
	warning, critical := rules["OpenAIHighErrorRate"], rules["OpenAIHighErrorRateCritical"]
	model := instance(m.LabelModel, priced)

	// reset restarts the backend at minute 15: every counter starts again
	// from 0, and the rate must not read the drop as a burst.
	reset := func(successPerMinute, errorsPerMinute float64) []string {
		return []string{
			series(m.RequestsTotal, counter(successPerMinute, 14)+" "+counter(successPerMinute, 15),
				m.LabelModel, priced, m.LabelStatus, m.StatusSuccess),
			series(m.RequestsTotal, counter(errorsPerMinute, 14)+" "+counter(errorsPerMinute, 15),
				m.LabelModel, priced, m.LabelStatus, m.StatusError, m.LabelErrorType, m.ErrorRateLimited),
		}
	}

	tests := []struct {
		name         string
		series       []string
		from, to     int
		wantWarning  []string
		wantCritical []string
	}{
		{name: "6% errors fire the warning", series: requests(priced, 94, 6, 30), to: 30,
			wantWarning: []string{model}},
		{name: "4% errors stay quiet", series: requests(priced, 96, 4, 30), to: 30},
		{name: "25% errors fire both", series: requests(priced, 75, 25, 30), to: 30,
			wantWarning: []string{model}, wantCritical: []string{model}},
		{name: "6% errors across a counter reset still fire", series: reset(94, 6), to: 29,
			wantWarning: []string{model}},
		{name: "4% errors across a counter reset stay quiet", series: reset(96, 4), to: 29},
		{name: "6% errors for less than the pending period do not fire yet", series: requests(priced, 94, 6, 30), to: 4},
		{name: "one model failing fires for that model only",
			series: append(requests(priced, 94, 6, 30), requests("gpt-4o", 100, 0, 30)...), to: 30,
			wantWarning: []string{model}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := storageOf(t, tt.series...)
			assertFiring(t, warning, run(t, warning, q, tt.from, tt.to), tt.wantWarning...)
			assertFiring(t, critical, run(t, critical, q, tt.from, tt.to), tt.wantCritical...)
		})
	}
}

func TestErrorRatePending(t *testing.T) {
	rule := generatedRules(t)["OpenAIHighErrorRate"]
	q := storageOf(t, requests(priced, 94, 6, 30)...)
	assertState(t, rule, run(t, rule, q, 0, 4), instance(m.LabelModel, priced), alerttest.Pending)
	assertState(t, rule, run(t, rule, q, 0, 6), instance(m.LabelModel, priced), alerttest.Alerting)
}

func TestErrorRateWithoutErrorsReadsZero(t *testing.T) {
	rule := generatedRules(t)["OpenAIHighErrorRate"]
	// Successes only: the error series does not exist yet.
	out := run(t, rule, storageOf(t, requests(priced, 100, 0, 30)...), 0, 30)
	inst, ok := out.Last.Instances[instance(m.LabelModel, priced)]
	if !ok || inst.Value == nil || *inst.Value != 0 {
		t.Fatalf("error %% with successes only = %+v, want 0 (instances %v)", inst, out.Last.Instances)
	}
	assertState(t, rule, out, instance(m.LabelModel, priced), alerttest.Normal)
}

func TestErrorRateWithoutTraffic(t *testing.T) {
	rule := generatedRules(t)["OpenAIHighErrorRate"]
	tests := []struct {
		name   string
		series []string
	}{
		{name: "no series at all", series: []string{series(m.RateLimitRequestsLimit, gauge(1000, 30), m.LabelModel, priced, m.LabelLimitType, m.LimitRequests)}},
		// The backend stopped calling OpenAI ten minutes ago; its counters
		// keep being exported, flat, after 6% errors.
		{name: "traffic stopped", series: []string{
			series(m.RequestsTotal, counter(94, 20)+" 1880x10", m.LabelModel, priced, m.LabelStatus, m.StatusSuccess),
			series(m.RequestsTotal, counter(6, 20)+" 120x10", m.LabelModel, priced, m.LabelStatus, m.StatusError, m.LabelErrorType, m.ErrorProviderError),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := run(t, rule, storageOf(t, tt.series...), 25, 30)
			if !out.Last.NoData {
				t.Errorf("instances %v, want no data", out.Last.Instances)
			}
			if rule.NoDataState != "OK" {
				t.Errorf("noDataState %q, want OK: no traffic is no error", rule.NoDataState)
			}
			assertFiring(t, rule, out)
		})
	}
}
