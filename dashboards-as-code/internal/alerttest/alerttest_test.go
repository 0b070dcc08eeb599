package alerttest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql/promqltest"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/alerttest"
)

// group is a rule group whose rule fires when the gauge's value exceeds 10.
func group(expr, forDuration, noData, reduceSettings string) []byte {
	return []byte(fmt.Sprintf(`{"title": "g", "folderUid": "scanium", "interval": 60, "rules": [{
  "uid": "r", "title": "OpenAIExample", "condition": "C", "for": %q, "noDataState": %q, "execErrState": "Error",
  "data": [
    {"refId": "A", "datasourceUid": "mimir", "relativeTimeRange": {"from": 600, "to": 0}, "model": {"refId": "A", "expr": %q, "instant": true}},
    {"refId": "B", "datasourceUid": "__expr__", "model": {"refId": "B", "type": "reduce", "expression": "A", "reducer": "last"%s}},
    {"refId": "C", "datasourceUid": "__expr__", "model": {"refId": "C", "type": "threshold", "expression": "B",
      "conditions": [{"evaluator": {"type": "gt", "params": [10]}}]}}
  ]}]}`, forDuration, noData, expr, reduceSettings))
}

func rule(t *testing.T, data []byte) alerttest.Rule {
	t.Helper()
	rules, err := alerttest.Rules(data)
	if err != nil {
		t.Fatal(err)
	}
	return rules[0]
}

func runAt(t *testing.T, r alerttest.Rule, series string, from, to int) alerttest.Outcome {
	t.Helper()
	q := promqltest.LoadedStorage(t, "load 1m\n  "+series)
	engine := promqltest.NewTestEngine(t, false, 0, promqltest.DefaultMaxSamplesPerQuery)
	out, err := r.Run(context.Background(), engine, q, time.Unix(0, 0).Add(time.Duration(from)*time.Minute), time.Unix(0, 0).Add(time.Duration(to)*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

const gauge = m.RateLimitRequestsRemaining

func TestPendingThenAlertingThenResolved(t *testing.T) {
	r := rule(t, group(gauge, "3m", "OK", ""))
	// 20 from minute 0 to 10, then 5.
	series := gauge + `{model="a"} 20x10 5x10`
	want := map[int]alerttest.State{0: alerttest.Pending, 2: alerttest.Pending, 3: alerttest.Alerting, 10: alerttest.Alerting, 11: alerttest.Normal}
	for to, state := range want {
		out := runAt(t, r, series, 0, to)
		if got := out.States[`{model="a"}`]; got != state {
			t.Errorf("at minute %d: %s, want %s", to, got, state)
		}
	}
}

func TestNoDataStates(t *testing.T) {
	// The series ends at minute 5; evaluations from minute 10 see nothing.
	series := gauge + `{model="a"} 20x5`
	tests := []struct {
		noData string
		want   alerttest.State
	}{
		{"OK", alerttest.Normal},
		{"NoData", alerttest.NoData},
		{"Alerting", alerttest.Alerting},
	}
	for _, tt := range tests {
		out := runAt(t, rule(t, group(gauge, "0s", tt.noData, "")), series, 10, 12)
		if !out.Last.NoData || out.States["{}"] != tt.want {
			t.Errorf("noDataState %s: %v, want %s", tt.noData, out.States, tt.want)
		}
	}
}

func TestReduceModes(t *testing.T) {
	// 0/0 is NaN.
	expr := gauge + " / " + gauge + " * 0 / 0"
	series := gauge + `{model="a"} 20x5`
	tests := []struct {
		settings string
		firing   bool
		value    string
	}{
		{``, false, "NaN"}, // strict: NaN > 10 is false
		{`, "settings": {"mode": "dropNN"}`, false, "<nil>"},
		{`, "settings": {"mode": "replaceNN", "replaceWithValue": 42}`, true, "42"},
	}
	for _, tt := range tests {
		out := runAt(t, rule(t, group(expr, "0s", "OK", tt.settings)), series, 1, 1)
		inst := out.Last.Instances[`{model="a"}`]
		value := "<nil>"
		if inst.Value != nil {
			value = fmt.Sprint(*inst.Value)
		}
		if inst.Firing != tt.firing || value != tt.value {
			t.Errorf("settings %q: firing %v value %s, want %v %s", tt.settings, inst.Firing, value, tt.firing, tt.value)
		}
	}
}

func TestQueryErrors(t *testing.T) {
	r := rule(t, group(`sum(`+gauge+`{model="a"}`, "0s", "OK", ""))
	out := runAt(t, r, gauge+`{model="a"} 20x5`, 1, 1)
	if out.Last.Err == nil || out.States["{}"] != alerttest.Error {
		t.Errorf("a query that does not parse: %v, states %v", out.Last.Err, out.States)
	}
}

func TestRulesRejectsOtherShapes(t *testing.T) {
	data := strings.Replace(string(group(gauge, "0s", "OK", "")), `"type": "reduce"`, `"type": "math"`, 1)
	if _, err := alerttest.Rules([]byte(data)); err == nil {
		t.Error("a threshold over a math expression was accepted")
	}
}
