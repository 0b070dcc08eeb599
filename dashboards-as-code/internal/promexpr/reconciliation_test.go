package promexpr_test

import (
	"fmt"
	"math"
	"strconv"
	"testing"
	"time"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/promexpr"
)

const day = 24 * time.Hour

// dayOneTraffic is gpt-4o-mini on a backend started at 00:01 of day 1
// (minute 1441): 10000 input tokens a minute up to the midnight ending day 1
// (minute 2880). Its counter's first sample is 0, so increase() has nothing
// to extrapolate (see the comment at the top of cost_test.go).
func dayOneTraffic() []string {
	return []string{tokenSeries("backend-3", "gpt-4o-mini", m.TokenInput, fmt.Sprintf("_x%d 0+10000x%d", minutesPerDay+1, minutesPerDay-1))}
}

// spendDayOne is day 1's spend by hand: 1439 minutes of 10000 input tokens
// at $0.15 per 1M.
const spendDayOne = 10000 * 0.15 * 1439 / 1e6 // $2.1585

func spendDayZero() float64 { return spendMini + spendO3 + spendSnapshot + spendGPT41 }

// The estimate of the last complete UTC day relies on Prometheus aligning a
// subquery's steps to multiples of the step since the epoch: the one step
// of [1d:1d] within (t − 1d, t] must be the last midnight, whatever the time
// of day t is.
func TestLastDaySpendIsTheLastCompleteUTCDay(t *testing.T) {
	query := instantQueries(t, goldenSeries(dayOneTraffic()...))
	expr := promexpr.LastDaySpendUSD(goldenPrices())
	tests := []struct {
		at   time.Duration
		want map[string]float64
	}{
		{day - time.Minute, map[string]float64{}}, // the day before day 0: no tokens
		{day, map[string]float64{"": spendDayZero()}},
		{day + time.Minute, map[string]float64{"": spendDayZero()}},
		{day + 13*time.Hour + 17*time.Minute, map[string]float64{"": spendDayZero()}},
		{2*day - time.Minute, map[string]float64{"": spendDayZero()}},
		{2 * day, map[string]float64{"": spendDayOne}},
		{2*day + 5*time.Hour, map[string]float64{"": spendDayOne}},
		{3*day - time.Minute, map[string]float64{"": spendDayOne}},
		{3 * day, map[string]float64{}},
	}
	for _, tt := range tests {
		assertUSD(t, fmt.Sprintf("last day's spend at %s", tt.at), byLabel(query(expr, tt.at), ""), tt.want)
	}
	// The rolling last 24 hours at 13:17 of day 1 are another sum: the
	// alignment, not the data, makes the difference.
	rolling := byLabel(query(promexpr.SpendUSD(goldenPrices(), promexpr.AllModels(), promexpr.Over(day)), day+13*time.Hour+17*time.Minute), "")
	if math.Abs(rolling[""]-spendDayZero()) < 1 {
		t.Errorf("rolling spend at 13:17 of day 1 is $%.2f, too close to day 0's $%.2f for the test to tell them apart", rolling[""], spendDayZero())
	}
}

// billing is the billing exporter's gauges of one instance, in the load
// syntax: from minute from to minute to (both included), describing the day
// that starts at dayStart, with its cost and tokens.
type billing struct {
	instance string
	from, to int
	dayStart int
	costUSD  float64
	// tokens maps a model (the Usage API's name) to its input, cached_input
	// and output tokens.
	tokens map[string][3]float64
}

func (b billing) series() []string {
	gauge := func(metric string, v float64, pairs ...string) string {
		labels := fmt.Sprintf(`%s="scanium/openai-billing",%s=%q`, m.LabelJob, m.LabelInstance, b.instance)
		for i := 0; i+1 < len(pairs); i += 2 {
			labels += fmt.Sprintf(",%s=%q", pairs[i], pairs[i+1])
		}
		return fmt.Sprintf("%s{%s} _x%d %sx%d", metric, labels, b.from, formatFloat(v), b.to-b.from)
	}
	out := []string{
		gauge(m.BilledDayStartTimestampSeconds, float64(b.dayStart)),
		gauge(m.BilledCostUSD, b.costUSD),
	}
	for model, tokens := range b.tokens {
		for i, tokenType := range m.BilledTokenTypes() {
			out = append(out, gauge(m.BilledTokens, tokens[i], m.LabelModel, model, m.LabelTokenType, tokenType))
		}
	}
	return out
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// minuteOf is the minute of a time since the epoch.
func minuteOf(d time.Duration) int { return int(d / time.Minute) }

func TestLastDayBilledAndGap(t *testing.T) {
	const bill = 100.0
	before := billing{instance: "billing-1", from: minuteOf(day), to: minuteOf(day+3*time.Hour) - 1, dayStart: -86400, costUSD: 55}
	// The exporter publishes day 0's bill at 03:00 of day 1, stops at 04:00
	// (a collector outage, then a restart) and comes back at 06:00 as
	// another instance.
	published := billing{instance: "billing-1", from: minuteOf(day + 3*time.Hour), to: minuteOf(day + 4*time.Hour), dayStart: 0, costUSD: bill}
	restarted := billing{instance: "billing-2", from: minuteOf(day + 6*time.Hour), to: minuteOf(2*day + 2*time.Hour), dayStart: 0, costUSD: bill}
	series := goldenSeries(dayOneTraffic()...)
	for _, b := range []billing{before, published, restarted} {
		series = append(series, b.series()...)
	}
	query := instantQueries(t, series)
	prices := goldenPrices()
	gap := 100 * (spendDayZero() - bill) / bill

	tests := []struct {
		name           string
		at             time.Duration
		billed, gapPct map[string]float64
	}{
		{"before the exporter runs", day - time.Minute, map[string]float64{}, map[string]float64{}},
		{"while the bill is still of the day before", day + 2*time.Hour, map[string]float64{}, map[string]float64{}},
		{"once the bill of day 0 is published", day + 3*time.Hour, map[string]float64{"": bill}, map[string]float64{"": gap}},
		{"during a collector outage", day + 5*time.Hour, map[string]float64{"": bill}, map[string]float64{"": gap}},
		{"after a restart as another instance", day + 12*time.Hour, map[string]float64{"": bill}, map[string]float64{"": gap}},
		{"after the next midnight, the bill is of the day before", 2*day + time.Hour, map[string]float64{}, map[string]float64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertUSD(t, "billed", byLabel(query(promexpr.LastDayBilledUSD(), tt.at), ""), tt.billed)
			// The estimate shows only beside a bill of the same day.
			estimate := map[string]float64{}
			if len(tt.billed) > 0 {
				estimate[""] = spendDayZero()
			}
			assertUSD(t, "estimate", byLabel(query(promexpr.LastDayEstimateUSD(prices), tt.at), ""), estimate)
			got := byLabel(query(promexpr.LastDayGapPercent(prices), tt.at), "")
			if len(got) != len(tt.gapPct) || (len(got) == 1 && math.Abs(got[""]-tt.gapPct[""]) > 0.01) {
				t.Errorf("gap %v%%, want %v%%", got, tt.gapPct)
			}
		})
	}
}

// A bill of a day the backend used no tokens is all someone else's: the
// estimate reads 0 and the gap -100 %, not nothing.
func TestLastDayGapWithoutTokens(t *testing.T) {
	b := billing{instance: "billing-1", from: minuteOf(day), to: minuteOf(day + 6*time.Hour), dayStart: 0, costUSD: 12}
	query := instantQueries(t, b.series())
	at := day + 5*time.Hour
	assertUSD(t, "estimate", byLabel(query(promexpr.LastDayEstimateUSD(goldenPrices()), at), ""), map[string]float64{"": 0})
	if got := byLabel(query(promexpr.LastDayGapPercent(goldenPrices()), at), ""); len(got) != 1 || !near(got[""], -100) {
		t.Errorf("gap %v, want -100%%", got)
	}
	// A bill of 0 compares nothing.
	zero := billing{instance: "billing-1", from: minuteOf(day), to: minuteOf(day + 6*time.Hour), dayStart: 0, costUSD: 0}
	if got := instantQueries(t, zero.series())(promexpr.LastDayGapPercent(goldenPrices()), at); len(got) != 0 {
		t.Errorf("gap of a bill of $0: %v, want nothing", got)
	}
}

func TestLastDayTokens(t *testing.T) {
	// The Usage API's tokens of day 0, by snapshot name. gpt-4o-mini's
	// agree with the backend's (its configured name and its snapshot's,
	// summed), though the Usage API splits them between two snapshots;
	// o3's input is higher by 1M: a caller that bypasses the backend.
	mini := [3]float64{20000*1438 + 1000*1439, 8000*1438 + 500*1439, 3000*1438 + 200*1439}
	o3 := [3]float64{5000*1439 + 1e6, 0, 4000 * 1439}
	other := [3]float64{700, 100, 300}
	b := billing{instance: "billing-1", from: minuteOf(day + time.Hour), to: minuteOf(day + 6*time.Hour), dayStart: 0, costUSD: 90,
		tokens: map[string][3]float64{
			snapshot:                 {mini[0] - other[0], mini[1] - other[1], mini[2] - other[2]},
			"gpt-4o-mini-2025-01-31": other,
			"o3-2025-04-16":          o3,
		}}
	query := instantQueries(t, goldenSeries(b.series()...))
	at := day + 5*time.Hour

	key := func(model, tokenType string) string { return model + " " + tokenType }
	collect := func(expr string) map[string]float64 {
		out := map[string]float64{}
		for _, s := range query(expr, at) {
			out[key(s.Metric.Get(m.LabelModel), s.Metric.Get(m.LabelTokenType))] = s.F
		}
		return out
	}
	billed, observed, gap := collect(promexpr.LastDayBilledTokens()), collect(promexpr.LastDayObservedTokens()), collect(promexpr.LastDayTokenGapPercent())

	wantBilled, wantObserved := map[string]float64{}, map[string]float64{}
	for i, tokenType := range m.BilledTokenTypes() {
		wantBilled[key("gpt-4o-mini", tokenType)] = mini[i]
		wantBilled[key("o3", tokenType)] = o3[i]
		wantObserved[key("gpt-4o-mini", tokenType)] = mini[i]
	}
	wantObserved[key("o3", m.TokenInput)] = 5000 * 1439
	wantObserved[key("o3", m.TokenCachedInput)] = 0
	wantObserved[key("o3", m.TokenOutput)] = 4000 * 1439
	// The older backend's gpt-4.1 has no cached_input series.
	wantObserved[key("gpt-4.1", m.TokenInput)] = 2000 * 1439
	wantObserved[key("gpt-4.1", m.TokenOutput)] = 1000 * 1439
	for what, c := range map[string]struct{ got, want map[string]float64 }{"billed": {billed, wantBilled}, "observed": {observed, wantObserved}} {
		if len(c.got) != len(c.want) {
			t.Errorf("%s tokens %v, want %v", what, c.got, c.want)
		}
		for k, w := range c.want {
			if g, ok := c.got[k]; !ok || !near(g, w) {
				t.Errorf("%s tokens of %s: %v (present %v), want %v", what, k, g, ok, w)
			}
		}
	}
	// Where the bill has tokens above 0: gpt-4o-mini agrees, o3's input
	// falls short of the bill.
	wantGap := map[string]float64{
		key("gpt-4o-mini", m.TokenInput): 0, key("gpt-4o-mini", m.TokenCachedInput): 0, key("gpt-4o-mini", m.TokenOutput): 0,
		key("o3", m.TokenInput): 100 * -1e6 / o3[0], key("o3", m.TokenOutput): 0,
	}
	if len(gap) != len(wantGap) {
		t.Errorf("token gap %v, want %v", gap, wantGap)
	}
	for k, w := range wantGap {
		if g, ok := gap[k]; !ok || math.Abs(g-w) > 1e-6 {
			t.Errorf("token gap of %s: %v%% (present %v), want %v%%", k, g, ok, w)
		}
	}

	// Without a bill of the last complete day, the backend's tokens are
	// not shown either.
	if got := query(promexpr.LastDayObservedTokens(), day+7*time.Hour+24*time.Hour); len(got) != 0 {
		t.Errorf("observed tokens without a bill: %v", got)
	}
}
