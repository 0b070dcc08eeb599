package alerts_test

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/storage"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/alerttest"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/artifacts"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/internal/bundle"
)

// Models of the scenarios: one the price table knows, one it does not.
const (
	priced   = "gpt-4o-mini"
	unpriced = "gpt-9-preview"
)

// testConfig holds the thresholds the scenarios are written for.
func testConfig() config.Config {
	return config.Config{
		RunbookURL: "https://git.example.com/scanium/docs/runbooks.md",
		Alerts: config.Alerts{
			EvaluationInterval: time.Minute,
			ErrorRate:          config.ErrorRate{Window: 5 * time.Minute, For: 5 * time.Minute, WarningPercent: 5, CriticalPercent: 20},
			Latency:            config.Latency{Window: 5 * time.Minute, For: 10 * time.Minute, Quantile: 0.95, ThresholdSeconds: 5},
			RateLimitHeadroom:  config.RateLimitHeadroom{MinPercent: 10, For: 2 * time.Minute, TrafficWindow: 5 * time.Minute},
			Budget:             config.Budget{DailyUSD: 10, WarningPercent: 80},
			UnpricedModel:      config.UnpricedModel{Window: 30 * time.Minute},
			Reconciliation:     config.Reconciliation{MaxGapPercent: 10, For: time.Hour},
		},
		SLOs: config.SLOs{
			Availability: config.Objective{TargetPercent: 99, Window: 30 * 24 * time.Hour},
			Latency:      config.LatencyObjective{Objective: config.Objective{TargetPercent: 95, Window: 30 * 24 * time.Hour}, ThresholdSeconds: 2},
		},
		Pricing: config.Pricing{Models: []config.ModelPrice{
			{Model: "gpt-4o", InputUSDPerMillion: 2.5, CachedInputUSDPerMillion: 1.25, OutputUSDPerMillion: 10},
			{Model: priced, InputUSDPerMillion: 0.15, CachedInputUSDPerMillion: 0.075, OutputUSDPerMillion: 0.6},
		}},
	}
}

// generatedRules renders the artifacts and decodes every rule of every rule
// group, by title: the tests exercise the JSON that ships.
func generatedRules(t *testing.T) map[string]alerttest.Rule {
	t.Helper()
	set, err := artifacts.Render(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]alerttest.Rule{}
	for _, p := range set.Paths() {
		if bundle.KindOf(p) != bundle.RuleGroupFile {
			continue
		}
		rs, err := alerttest.Rules(set[p])
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, r := range rs {
			rules[r.Title] = r
		}
	}
	return rules
}

// series writes a series of the load syntax of promqltest: a metric of the
// contract with its labels (plus job and instance) and its values.
func series(metric, values string, labelPairs ...string) string {
	pairs := append([]string{m.LabelJob, "scanium/backend", m.LabelInstance, "backend-1"}, labelPairs...)
	parts := make([]string, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		parts = append(parts, fmt.Sprintf("%s=%q", pairs[i], pairs[i+1]))
	}
	return metric + "{" + strings.Join(parts, ",") + "} " + values
}

// counter is a counter growing by perMinute for minutes, from 0.
func counter(perMinute float64, minutes int) string {
	return fmt.Sprintf("0+%sx%d", strconv.FormatFloat(perMinute, 'f', -1, 64), minutes)
}

// gauge is a constant for minutes.
func gauge(v float64, minutes int) string {
	return fmt.Sprintf("%sx%d", strconv.FormatFloat(v, 'f', -1, 64), minutes)
}

// requests is the request counters of a model: successes and errors per minute.
func requests(model string, successPerMinute, errorsPerMinute float64, minutes int) []string {
	out := []string{series(m.RequestsTotal, counter(successPerMinute, minutes), m.LabelModel, model, m.LabelStatus, m.StatusSuccess)}
	if errorsPerMinute > 0 {
		out = append(out, series(m.RequestsTotal, counter(errorsPerMinute, minutes),
			m.LabelModel, model, m.LabelStatus, m.StatusError, m.LabelErrorType, m.ErrorProviderUnavailable))
	}
	return out
}

// latency is the duration histogram of a model: per minute, count requests
// take each duration (seconds).
func latency(model string, perMinute map[float64]float64, minutes int) []string {
	bounds := append(m.DurationBuckets(), inf())
	var out []string
	for _, le := range bounds {
		cumulative := 0.0
		for d, n := range perMinute {
			if d <= le {
				cumulative += n
			}
		}
		leText := "+Inf"
		if le != inf() {
			leText = strconv.FormatFloat(le, 'f', -1, 64)
		}
		out = append(out, series(m.Bucket(m.RequestDurationSeconds), counter(cumulative, minutes),
			m.LabelModel, model, m.LabelStatus, m.StatusSuccess, m.LabelBucket, leText))
	}
	return out
}

// storageOf loads series sampled every minute from time 0.
func storageOf(t *testing.T, lines ...string) storage.Queryable {
	t.Helper()
	return alerttest.Storage(t, lines...)
}

func newEngine(t *testing.T) promql.QueryEngine {
	return promqltest.NewTestEngine(t, false, 0, promqltest.DefaultMaxSamplesPerQuery)
}

// minute is an evaluation time: minutes after the first sample.
func minute(n int) time.Time { return time.Unix(0, 0).UTC().Add(time.Duration(n) * time.Minute) }

// instance is the labels of an alert instance as alerttest keys them.
func instance(pairs ...string) string { return labels.FromStrings(pairs...).String() }

// run evaluates a rule every minute from minute from to minute to.
func run(t *testing.T, rule alerttest.Rule, q storage.Queryable, from, to int) alerttest.Outcome {
	t.Helper()
	out, err := rule.Run(context.Background(), newEngine(t), q, minute(from), minute(to))
	if err != nil {
		t.Fatal(err)
	}
	if out.Last.Err != nil {
		t.Fatalf("%s: %v", rule.Title, out.Last.Err)
	}
	return out
}

// assertFiring compares the firing instances with the wanted ones.
func assertFiring(t *testing.T, rule alerttest.Rule, out alerttest.Outcome, want ...string) {
	t.Helper()
	got := out.Firing()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s fires for %v, want %v (states %v)", rule.Title, got, want, out.States)
	}
}

// assertState checks one instance's state.
func assertState(t *testing.T, rule alerttest.Rule, out alerttest.Outcome, inst string, want alerttest.State) {
	t.Helper()
	if got, ok := out.States[inst]; !ok || got != want {
		t.Errorf("%s: instance %s is %q, want %q (states %v)", rule.Title, inst, got, want, out.States)
	}
}

func inf() float64 { return math.Inf(1) }

func sortedKeys[V any](mm map[string]V) []string { return slices.Sorted(maps.Keys(mm)) }
