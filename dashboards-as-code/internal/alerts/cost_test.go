package alerts_test

import (
	"fmt"
	"strconv"
	"testing"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/alerttest"
)

// day is a run of 25 hours of samples, so that the last evaluation sees a
// full 24-hour window.
const day = 25 * 60

// tokens is the token counters of a model, as an older backend records
// them: input and output per minute, and no cached_input series (which must
// count as nothing cached).
func tokens(model string, inputPerMinute, outputPerMinute float64, minutes int) []string {
	return []string{
		series(m.TokensTotal, counter(inputPerMinute, minutes), m.LabelModel, model, m.LabelTokenType, m.TokenInput),
		series(m.TokensTotal, counter(outputPerMinute, minutes), m.LabelModel, model, m.LabelTokenType, m.TokenOutput),
		series(m.TokensTotal, counter(inputPerMinute+outputPerMinute, minutes), m.LabelModel, model, m.LabelTokenType, m.TokenTotal),
	}
}

// cachedTokens is the token counters of a model whose input is partly read
// from OpenAI's prompt cache, with the reasoning part of output.
func cachedTokens(model string, inputPerMinute, cachedPerMinute, outputPerMinute, reasoningPerMinute float64, minutes int) []string {
	return append(tokens(model, inputPerMinute, outputPerMinute, minutes),
		series(m.TokensTotal, counter(cachedPerMinute, minutes), m.LabelModel, model, m.LabelTokenType, m.TokenCachedInput),
		series(m.TokensTotal, counter(reasoningPerMinute, minutes), m.LabelModel, model, m.LabelTokenType, m.TokenReasoning))
}

func TestDailyBudgetRules(t *testing.T) {
	rules := generatedRules(t)
	warning, critical := rules["OpenAIDailyBudgetNearlySpent"], rules["OpenAIDailyBudgetExceeded"]
	total := instance()

	// With gpt-4o-mini at $0.15 / $0.60 per 1M tokens, over 24 hours:
	// 15000 input + 7000 output tokens a minute cost $3.24 + $6.05 = $9.29,
	// over 80% of the $10 budget; with 10000 output tokens, $11.88, over it.
	tests := []struct {
		name         string
		series       []string
		wantWarning  []string
		wantCritical []string
	}{
		{name: "$9.29 fires the warning", series: tokens(priced, 15000, 7000, day), wantWarning: []string{total}},
		{name: "$11.88 fires both", series: tokens(priced, 15000, 10000, day), wantWarning: []string{total}, wantCritical: []string{total}},
		{name: "$2.81 stays quiet", series: tokens(priced, 5000, 2000, day)},
		{name: "$9.29 across a counter reset still fires the warning", series: []string{
			series(m.TokensTotal, counter(15000, 700)+" "+counter(15000, day-701), m.LabelModel, priced, m.LabelTokenType, m.TokenInput),
			series(m.TokensTotal, counter(7000, 700)+" "+counter(7000, day-701), m.LabelModel, priced, m.LabelTokenType, m.TokenOutput),
		}, wantWarning: []string{total}},
		{name: "an unpriced model counts 0", series: tokens(unpriced, 15000, 10000, day)},
		// 14000 of the 15000 input tokens a minute at the cached $0.075:
		// $0.22 + $1.51 + $6.05 = $7.78, under the $8 warning, where the
		// input price for all of them would make $9.29.
		{name: "cached input at the cached price stays quiet at $7.78", series: cachedTokens(priced, 15000, 14000, 7000, 0, day)},
		// Reasoning is a part of output: 5000 of the 7000 output tokens a
		// minute are reasoning, and the spend stays $9.29, not $13.61.
		{name: "reasoning tokens are not added to output", series: cachedTokens(priced, 15000, 0, 7000, 5000, day), wantWarning: []string{total}},
		// A dated snapshot is priced by its model's line.
		{name: "a dated snapshot of a priced model counts", series: tokens(priced+"-2024-07-18", 15000, 10000, day),
			wantWarning: []string{total}, wantCritical: []string{total}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := storageOf(t, tt.series...)
			assertFiring(t, warning, run(t, warning, q, day-5, day), tt.wantWarning...)
			assertFiring(t, critical, run(t, critical, q, day-5, day), tt.wantCritical...)
		})
	}
}

func TestDailyBudgetAddsModels(t *testing.T) {
	rules := generatedRules(t)
	warning, critical := rules["OpenAIDailyBudgetNearlySpent"], rules["OpenAIDailyBudgetExceeded"]
	// gpt-4o-mini $2.81 plus gpt-4o at $2.50 / $10 per 1M tokens:
	// 1000 input and 500 output tokens a minute, $3.60 + $7.20 = $10.80.
	q := storageOf(t, append(tokens(priced, 5000, 2000, day), tokens("gpt-4o", 1000, 500, day)...)...)
	assertFiring(t, warning, run(t, warning, q, day, day), instance())
	assertFiring(t, critical, run(t, critical, q, day, day), instance())
}

func TestUnpricedModelRule(t *testing.T) {
	rule := generatedRules(t)["OpenAIUnpricedModel"]
	tests := []struct {
		name   string
		series []string
		at     int
		want   []string
	}{
		{name: "tokens of an unpriced model fire", series: append(tokens(priced, 100, 50, 60), tokens(unpriced, 100, 50, 60)...), at: 60,
			want: []string{instance(m.LabelModel, unpriced)}},
		{name: "priced models only stay quiet", series: tokens(priced, 100, 50, 60), at: 60},
		{name: "a dated snapshot of a priced model stays quiet", series: tokens(priced+"-2024-07-18", 100, 50, 60), at: 60},
		{name: "a dated snapshot of an unpriced model fires", series: tokens(unpriced+"-2025-01-31", 100, 50, 60), at: 60,
			want: []string{instance(m.LabelModel, unpriced+"-2025-01-31")}},
		// An unpriced model used 40 minutes ago, then no more.
		{name: "unpriced model no longer used stays quiet", series: []string{
			series(m.TokensTotal, counter(100, 20)+" 2000x40", m.LabelModel, unpriced, m.LabelTokenType, m.TokenInput),
		}, at: 60},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := run(t, rule, storageOf(t, tt.series...), tt.at, tt.at)
			assertFiring(t, rule, out, tt.want...)
		})
	}
}

// minutesPerDay is one UTC day of samples; minute 0 is the Unix epoch, a
// UTC midnight.
const minutesPerDay = 24 * 60

// dayZeroTokens is day 0 of gpt-4o-mini: 10000 input tokens a minute, 4000
// of them cached, and 7000 output tokens, from 00:01 (the counters' first
// sample is 0) to the midnight that ends the day. At $0.15, $0.075 and
// $0.60 per 1M tokens: (6000 × 0.15 + 4000 × 0.075 + 7000 × 0.60) × 1439
// minutes / 1e6 = $7.77.
func dayZeroTokens() []string {
	values := func(perMinute float64) string { return fmt.Sprintf("_ 0+%gx%d", perMinute, minutesPerDay-1) }
	return []string{
		series(m.TokensTotal, values(10000), m.LabelModel, priced, m.LabelTokenType, m.TokenInput),
		series(m.TokensTotal, values(4000), m.LabelModel, priced, m.LabelTokenType, m.TokenCachedInput),
		series(m.TokensTotal, values(7000), m.LabelModel, priced, m.LabelTokenType, m.TokenOutput),
		series(m.TokensTotal, values(0), m.LabelModel, priced, m.LabelTokenType, m.TokenReasoning),
		series(m.TokensTotal, values(17000), m.LabelModel, priced, m.LabelTokenType, m.TokenTotal),
	}
}

const dayZeroSpend = (6000*0.15 + 4000*0.075 + 7000*0.60) * 1439 / 1e6

// bill is the billing exporter's gauges from minute from to minute to: the
// bill of the day that starts at dayStart (Unix seconds).
func bill(usd float64, dayStart, from, to int) []string {
	gauge := func(metric string, v float64) string {
		return metric + fmt.Sprintf(`{%s="scanium/openai-billing",%s="billing-1"} _x%d %sx%d`, m.LabelJob, m.LabelInstance,
			from, strconv.FormatFloat(v, 'f', -1, 64), to-from)
	}
	return []string{gauge(m.BilledDayStartTimestampSeconds, float64(dayStart)), gauge(m.BilledCostUSD, usd)}
}

func TestBillingMismatchRule(t *testing.T) {
	rule := generatedRules(t)["OpenAIBillingMismatch"]
	// The exporter publishes day 0's bill at 03:00 of day 1; the rule
	// runs from then to 05:00, past its pending hour.
	published, until := minutesPerDay+3*60, minutesPerDay+5*60
	total := instance()
	tests := []struct {
		name   string
		series []string
		want   []string
	}{
		{name: "a bill that matches the estimate stays quiet", series: append(dayZeroTokens(), bill(7.9, 0, published, until)...)},
		// OpenAI raised the price: it billed 25 % more than the table's
		// prices make (gap -20 %).
		{name: "a stale price below OpenAI's fires", series: append(dayZeroTokens(), bill(dayZeroSpend*1.25, 0, published, until)...), want: []string{total}},
		// OpenAI lowered the price: the estimate is 50 % above the bill.
		{name: "a stale price above OpenAI's fires", series: append(dayZeroTokens(), bill(dayZeroSpend/1.5, 0, published, until)...), want: []string{total}},
		// A bill and no tokens of the backend: someone else's traffic.
		{name: "a bill of a day without the backend's tokens fires", series: bill(5, 0, published, until), want: []string{total}},
		{name: "without the billing exporter's series stays quiet", series: dayZeroTokens()},
		// In the hours after midnight the exporter still reports the day
		// before, whose bill is of no use against day 0's estimate.
		{name: "a bill of another day than the last complete one stays quiet", series: append(dayZeroTokens(), bill(50, -86400, published, until)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := run(t, rule, storageOf(t, tt.series...), published, until)
			assertFiring(t, rule, out, tt.want...)
		})
	}
}

// The rule waits its pending period: a mismatch found at 03:00 fires at
// 04:00, not before.
func TestBillingMismatchRuleWaits(t *testing.T) {
	rule := generatedRules(t)["OpenAIBillingMismatch"]
	published := minutesPerDay + 3*60
	q := storageOf(t, append(dayZeroTokens(), bill(dayZeroSpend*2, 0, published, published+2*60)...)...)
	assertState(t, rule, run(t, rule, q, published, published+59), instance(), alerttest.Pending)
	assertState(t, rule, run(t, rule, q, published, published+60), instance(), alerttest.Alerting)
}
