package alerts_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/alerttest"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/dashboards/openairuntime"
)

// phase is a stretch of steady traffic: calls per minute that are good,
// bad (failed, or slow) and cancelled by their client.
type phase struct {
	minutes              int
	good, bad, cancelled float64
}

// counterOf is a counter that starts at 0 and grows, each minute of each
// phase, by what pick takes of it; a reset phase starts again from 0.
func counterOf(phases []phase, pick func(phase) float64, resetBefore int) string {
	values := []string{"0"}
	total, minuteNow := 0.0, 0
	for i, p := range phases {
		if i == resetBefore {
			total = 0
			values = append(values, "0")
			minuteNow++
			p.minutes--
		}
		step := pick(p)
		values = append(values, formatCount(total+step)+"+"+formatCount(step)+"x"+strconv.Itoa(p.minutes-1))
		total += step * float64(p.minutes)
		minuteNow += p.minutes
	}
	return strings.Join(values, " ")
}

func formatCount(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// noReset is counterOf's resetBefore for series that never reset.
const noReset = -1

// availabilityTraffic is the request counters of phases: good calls
// succeed, bad ones fail. Calls are split between two models: the
// objective is the service's.
func availabilityTraffic(phases []phase, resetBefore int) []string {
	var out []string
	for _, model := range []string{priced, "gpt-4o"} {
		half := func(pick func(phase) float64) func(phase) float64 {
			return func(p phase) float64 { return pick(p) / 2 }
		}
		out = append(out,
			series(m.RequestsTotal, counterOf(phases, half(func(p phase) float64 { return p.good }), resetBefore),
				m.LabelModel, model, m.LabelStatus, m.StatusSuccess, m.LabelStream, m.StreamFalse),
			series(m.RequestsTotal, counterOf(phases, half(func(p phase) float64 { return p.bad }), resetBefore),
				m.LabelModel, model, m.LabelStatus, m.StatusError, m.LabelErrorType, m.ErrorProviderUnavailable, m.LabelStream, m.StreamFalse),
			series(m.RequestsTotal, counterOf(phases, half(func(p phase) float64 { return p.cancelled }), resetBefore),
				m.LabelModel, model, m.LabelStatus, m.StatusCancelled, m.LabelStream, m.StreamTrue),
		)
	}
	return out
}

// latencyTraffic is the histograms of phases, for a threshold of 2s: half
// the calls are streamed (their time to first token), half plain (their
// duration); good calls are at most 2s, bad ones slower. Cancelled streams
// got a fast first token. The buckets the objective does not read are left
// out.
func latencyTraffic(phases []phase, resetBefore int) []string {
	var out []string
	histogram := func(name, stream, status string, fast, all func(phase) float64) {
		labels := []string{m.LabelModel, priced, m.LabelStatus, status, m.LabelStream, stream}
		out = append(out,
			series(m.Bucket(name), counterOf(phases, fast, resetBefore), append(labels, m.LabelBucket, "2")...),
			series(m.Bucket(name), counterOf(phases, all, resetBefore), append(labels, m.LabelBucket, "+Inf")...),
			series(m.Count(name), counterOf(phases, all, resetBefore), labels...),
		)
	}
	goodHalf := func(p phase) float64 { return p.good / 2 }
	allHalf := func(p phase) float64 { return (p.good + p.bad) / 2 }
	histogram(m.TimeToFirstTokenSeconds, m.StreamTrue, m.StatusSuccess, goodHalf, allHalf)
	histogram(m.RequestDurationSeconds, m.StreamFalse, m.StatusSuccess, goodHalf, allHalf)
	cancelled := func(p phase) float64 { return p.cancelled }
	histogram(m.TimeToFirstTokenSeconds, m.StreamTrue, m.StatusCancelled, cancelled, cancelled)
	return out
}

// burnCase is one burn-rate rule with what its scenarios need.
type burnCase struct {
	objective string
	budget    float64
	window    config.BurnRateWindow
	traffic   func(phases []phase, resetBefore int) []string
}

func burnCases() []burnCase {
	var out []burnCase
	for _, w := range config.BurnRateWindows() {
		out = append(out,
			burnCase{"Availability", 0.01, w, availabilityTraffic},
			burnCase{"Latency", 0.05, w, latencyTraffic},
		)
	}
	return out
}

func (c burnCase) title() string { return openairuntime.BurnRateAlertTitle(c.objective, c.window) }

// rule is the case's generated rule, evaluated every 1/360 of its long
// window (every minute up to 6h, every 12 minutes for 3d): the burn-rate
// rules have no pending period, so a coarser step samples the same
// condition, and a 3-day window read every minute for days is slow.
func (c burnCase) rule(t *testing.T, rules map[string]alerttest.Rule) alerttest.Rule {
	t.Helper()
	r, ok := rules[c.title()]
	if !ok {
		t.Fatalf("no rule %s", c.title())
	}
	if r.For != 0 {
		t.Fatalf("%s: pending period %s, want none", r.Title, r.For)
	}
	r.Interval = max(time.Minute, c.window.Long/360)
	return r
}

func minutes(d time.Duration) int { return int(d / time.Minute) }

// burning is calls per minute whose bad share burns the budget at rate.
func burning(c burnCase, rate float64, length int) phase {
	bad := 1000 * rate * c.budget
	return phase{minutes: length, good: 1000 - bad, bad: bad, cancelled: 3000}
}

// serviceInstance is the one instance of a rule over all models.
const serviceInstance = "{}"

// After a window of clean traffic, a burn just above the factor makes the
// long window's ratio cross it after 1/1.1 of the window (the short window
// crosses it sooner): the rule fires then, and not long before. Cancelled
// calls, three times the others, count in no objective: counted as good,
// they would keep the rule quiet.
func TestBurnRateFiresOnABurnJustAboveItsFactor(t *testing.T) {
	rules := generatedRules(t)
	for _, c := range burnCases() {
		t.Run(c.title(), func(t *testing.T) {
			rule := c.rule(t, rules)
			long := minutes(c.window.Long)
			clean := phase{minutes: long, good: 1000, cancelled: 3000}
			q := storageOf(t, c.traffic([]phase{clean, burning(c, 1.1*c.window.Factor, long)}, noReset)...)
			early := run(t, rule, q, long+long*80/100, long+long*85/100)
			if len(early.Fired) > 0 {
				t.Errorf("fired before 85%% of the %s window: %v", c.window.Long, early.States)
			}
			assertState(t, rule, run(t, rule, q, long+long*85/100, long+long*95/100), serviceInstance, alerttest.Alerting)
		})
	}
}

// A burn just below the factor, however long it lasts, stays quiet: after a
// whole long window of it both windows read 0.9 of the factor.
func TestBurnRateStaysQuietOnABurnJustBelowItsFactor(t *testing.T) {
	rules := generatedRules(t)
	for _, c := range burnCases() {
		t.Run(c.title(), func(t *testing.T) {
			rule := c.rule(t, rules)
			long, short := minutes(c.window.Long), minutes(c.window.Short)
			clean := phase{minutes: long, good: 1000, cancelled: 3000}
			q := storageOf(t, c.traffic([]phase{clean, burning(c, 0.9*c.window.Factor, long+short)}, noReset)...)
			out := run(t, rule, q, 2*long-short, 2*long+short)
			if len(out.Fired) > 0 {
				t.Errorf("fired: %v", out.States)
			}
			assertBurnNear(t, out, 0.9*c.window.Factor)
			assertState(t, rule, out, serviceInstance, alerttest.Normal)
		})
	}
}

// No traffic is quiet: no series at all is no data, OK; traffic that
// stopped after a burn 1.3 times the factor leaves the long window burning but
// the short one empty (NaN), and the rule resolves: Normal, not NoData.
func TestBurnRateWithoutTraffic(t *testing.T) {
	rules := generatedRules(t)
	for _, c := range burnCases() {
		t.Run(c.title(), func(t *testing.T) {
			rule := c.rule(t, rules)
			long, short := minutes(c.window.Long), minutes(c.window.Short)

			none := storageOf(t, series(m.RateLimitRequestsLimit, gauge(1000, 30), m.LabelModel, priced, m.LabelLimitType, m.LimitRequests))
			out := run(t, rule, none, 20, 30)
			if !out.Last.NoData || rule.NoDataState != "OK" {
				t.Errorf("no series: no data %v, noDataState %s, want no data and OK", out.Last.NoData, rule.NoDataState)
			}
			assertState(t, rule, out, serviceInstance, alerttest.Normal)

			stopped := phase{minutes: 2 * short}
			q := storageOf(t, c.traffic([]phase{burning(c, 1.3*c.window.Factor, long), stopped}, noReset)...)
			assertState(t, rule, run(t, rule, q, long-5, long-5), serviceInstance, alerttest.Alerting)
			out = run(t, rule, q, long+short+2, long+short+5)
			if out.Last.NoData {
				t.Errorf("stopped traffic reads no data, want a NaN instance: %v", out.Last.Instances)
			}
			assertState(t, rule, out, serviceInstance, alerttest.Normal)
		})
	}
}

// A restart of the backend resets every counter to 0; rate reads across the
// reset, so a burn of half the factor stays half the factor, in the short
// window right after the restart and in the long one that spans it.
func TestBurnRateCounterResetDoesNotFire(t *testing.T) {
	rules := generatedRules(t)
	for _, c := range burnCases() {
		t.Run(c.title(), func(t *testing.T) {
			rule := c.rule(t, rules)
			long, short := minutes(c.window.Long), minutes(c.window.Short)
			before, after := burning(c, 0.5*c.window.Factor, long), burning(c, 0.5*c.window.Factor, long)
			q := storageOf(t, c.traffic([]phase{before, after}, 1)...)
			out := run(t, rule, q, long-2, long+short+2)
			if len(out.Fired) > 0 {
				t.Errorf("fired across the reset: %v", out.States)
			}
			out = run(t, rule, q, long+long/2, long+long/2)
			assertBurnNear(t, out, 0.5*c.window.Factor)
			assertState(t, rule, out, serviceInstance, alerttest.Normal)
		})
	}
}

// assertBurnNear checks that the rule's value is the burn rate the traffic
// makes, within 5 %: the scenarios exercise the expression, not an empty
// result.
func assertBurnNear(t *testing.T, out alerttest.Outcome, want float64) {
	t.Helper()
	inst, ok := out.Last.Instances[serviceInstance]
	if !ok || inst.Value == nil || *inst.Value < 0.95*want || *inst.Value > 1.05*want {
		t.Errorf("burn rate %+v, want about %g (instances %v)", inst, want, out.Last.Instances)
	}
}
