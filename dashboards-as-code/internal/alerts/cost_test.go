package alerts_test

import (
	"testing"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// day is a run of 25 hours of samples, so that the last evaluation sees a
// full 24-hour window.
const day = 25 * 60

// tokens is the token counters of a model: input and output per minute.
func tokens(model string, inputPerMinute, outputPerMinute float64, minutes int) []string {
	return []string{
		series(m.TokensTotal, counter(inputPerMinute, minutes), m.LabelModel, model, m.LabelTokenType, m.TokenInput),
		series(m.TokensTotal, counter(outputPerMinute, minutes), m.LabelModel, model, m.LabelTokenType, m.TokenOutput),
		series(m.TokensTotal, counter(inputPerMinute+outputPerMinute, minutes), m.LabelModel, model, m.LabelTokenType, m.TokenTotal),
	}
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
