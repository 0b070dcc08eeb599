package promexpr_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/promqltest"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/alerttest"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/promexpr"
)

// The golden spend scenarios load series sampled every minute from the Unix
// epoch, a UTC midnight, and evaluate at midnights and within days.
//
// increase() extrapolates: it scales the increase between the first and the
// last sample of its window to the window's length, unless the counter
// reached 0 closer to the window's start (it then extrapolates only to
// there) or the samples stop more than 1.1 sample intervals short of an
// edge. The series below leave it nothing to extrapolate: each counter's
// first sample inside the window is 0 (the backend started within the day,
// so the extrapolation to zero is no extrapolation at all) and its last
// sample lies exactly on the window's end (a midnight). increase() then
// returns exactly the difference of the samples, with counter resets
// corrected, which is what the hand computations below count.
//
// In the load syntax, "_ 0+20000x1439" is no sample at minute 0, then 0 at
// minute 1 growing by 20000 a minute up to minute 1440, the midnight ending
// day 0: 1439 minutes of traffic inside the day's window (0, 86400].

const minutesPerDay = 24 * 60

// goldenPrices is the price table of the scenarios: list prices of
// config.yaml for gpt-4o-mini, gpt-4.1 and o3.
func goldenPrices() []config.ModelPrice {
	return []config.ModelPrice{
		{Model: "gpt-4.1", InputUSDPerMillion: 2, CachedInputUSDPerMillion: 0.5, OutputUSDPerMillion: 8},
		{Model: "gpt-4o-mini", InputUSDPerMillion: 0.15, CachedInputUSDPerMillion: 0.075, OutputUSDPerMillion: 0.6},
		{Model: "o3", InputUSDPerMillion: 2, CachedInputUSDPerMillion: 0.5, OutputUSDPerMillion: 8},
	}
}

// snapshot is a dated snapshot of gpt-4o-mini, as a backend configured with
// the snapshot's name records it.
const snapshot = "gpt-4o-mini-2024-07-18"

// tokenSeries is a token counter of the load syntax.
func tokenSeries(instance, model, tokenType, values string) string {
	return fmt.Sprintf(`%s{%s="scanium/backend",%s=%q,%s=%q,%s=%q} %s`, m.TokensTotal,
		m.LabelJob, m.LabelInstance, instance, m.LabelModel, model, m.LabelTokenType, tokenType, values)
}

// traffic is a model's counters on one backend instance, per minute of day
// 0: each token type's increase a minute, and the values the counters take,
// written by the caller (so that a scenario can reset them).
type traffic struct {
	instance, model string
	// perMinute maps a token type to its increase a minute; a type left out
	// has no series (an older backend records no cached_input or reasoning).
	perMinute map[string]int
	// values writes the load syntax of a counter growing by perMinute.
	values func(perMinute int) string
}

func (tr traffic) series() []string {
	var out []string
	for tokenType, n := range tr.perMinute {
		out = append(out, tokenSeries(tr.instance, tr.model, tokenType, tr.values(n)))
	}
	return out
}

// wholeDay is 1439 minutes of traffic in day 0's window.
func wholeDay(perMinute int) string { return fmt.Sprintf("_ 0+%dx%d", perMinute, minutesPerDay-1) }

// withReset is a backend that restarts at minute 702: its counters count 700
// minutes, fall back to 0 and count 738 more minutes up to midnight. The
// minute of the restart counts nothing (the counter reads 0 after it).
func withReset(perMinute int) string {
	return fmt.Sprintf("_ 0+%dx700 0+%dx738", perMinute, perMinute)
}

// goldenTraffic is day 0 of four backends:
//   - gpt-4o-mini with prompt caching, restarted once (1438 minutes count);
//   - o3, a reasoning model: no cache hits, 3000 of its 4000 output tokens a
//     minute are reasoning, billed as output and not again;
//   - the dated snapshot of gpt-4o-mini, with cache hits;
//   - gpt-4.1 on an older backend that records no cached_input (nor
//     reasoning) series: it must count as no cache hit, not make the spend
//     vanish.
func goldenTraffic() []traffic {
	return []traffic{
		{"backend-1", "gpt-4o-mini", map[string]int{
			m.TokenInput: 20000, m.TokenCachedInput: 8000, m.TokenOutput: 3000, m.TokenReasoning: 0, m.TokenTotal: 23000,
		}, withReset},
		{"backend-1", "o3", map[string]int{
			m.TokenInput: 5000, m.TokenCachedInput: 0, m.TokenOutput: 4000, m.TokenReasoning: 3000, m.TokenTotal: 9000,
		}, wholeDay},
		{"backend-2", snapshot, map[string]int{
			m.TokenInput: 1000, m.TokenCachedInput: 500, m.TokenOutput: 200, m.TokenReasoning: 0, m.TokenTotal: 1200,
		}, wholeDay},
		{"backend-old", "gpt-4.1", map[string]int{
			m.TokenInput: 2000, m.TokenOutput: 1000, m.TokenTotal: 3000,
		}, wholeDay},
	}
}

// Day 0's spend by model, by hand: per minute, (input − cached) × input
// price + cached × cached price + output × output price, over the minutes
// that count, per 1M tokens.
var (
	spendMini     = ((20000-8000)*0.15 + 8000*0.075 + 3000*0.60) * 1438 / 1e6 // $6.0396
	spendO3       = ((5000-0)*2.00 + 0*0.50 + 4000*8.00) * 1439 / 1e6         // $60.438
	spendSnapshot = ((1000-500)*0.15 + 500*0.075 + 200*0.60) * 1439 / 1e6     // $0.3345675, at gpt-4o-mini's line
	spendGPT41    = (2000*2.00 + 1000*8.00) * 1439 / 1e6                      // $17.268, nothing cached
)

func goldenSeries(extra ...string) []string {
	var out []string
	for _, tr := range goldenTraffic() {
		out = append(out, tr.series()...)
	}
	return append(out, extra...)
}

// instantQueries loads series sampled every minute from time 0 and returns
// a function that evaluates an instant query at a time after 0.
func instantQueries(t *testing.T, series []string) func(expr string, at time.Duration) promql.Vector {
	t.Helper()
	storage := alerttest.Storage(t, series...)
	engine := promqltest.NewTestEngine(t, false, 0, promqltest.DefaultMaxSamplesPerQuery)
	return func(expr string, at time.Duration) promql.Vector {
		t.Helper()
		q, err := engine.NewInstantQuery(context.Background(), storage, nil, expr, time.Unix(0, 0).Add(at))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		defer q.Close()
		res := q.Exec(context.Background())
		if res.Err != nil {
			t.Fatalf("%s: %v", expr, res.Err)
		}
		v, err := res.Vector()
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}
}

// byLabel maps each sample of a vector to the value of a label ("" for a
// vector without it).
func byLabel(v promql.Vector, label string) map[string]float64 {
	out := map[string]float64{}
	for _, s := range v {
		out[s.Metric.Get(label)] = s.F
	}
	return out
}

// assertUSD compares amounts to the cent.
func assertUSD(t *testing.T, what string, got, want map[string]float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %v, want %v", what, got, want)
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok || math.Abs(g-w) >= 0.005 {
			t.Errorf("%s %q: $%.4f (present %v), want $%.4f", what, k, g, ok, w)
		}
	}
}

func TestSpendUSDGolden(t *testing.T) {
	query := instantQueries(t, goldenSeries())
	day := 24 * time.Hour
	prices := goldenPrices()

	byModel := byLabel(query(promexpr.SpendUSD(prices, promexpr.AllModels(), promexpr.Over(day), m.LabelModel), day), m.LabelModel)
	assertUSD(t, "spend by model", byModel, map[string]float64{
		"gpt-4o-mini": spendMini, "o3": spendO3, snapshot: spendSnapshot, "gpt-4.1": spendGPT41,
	})
	total := byLabel(query(promexpr.SpendUSD(prices, promexpr.AllModels(), promexpr.Over(day)), day), "")
	assertUSD(t, "total spend", total, map[string]float64{"": spendMini + spendO3 + spendSnapshot + spendGPT41})

	// The dashboard's scope: $model with gpt-4.1 picked, as Grafana
	// writes it (a regular expression).
	scoped := strings.ReplaceAll(promexpr.SpendUSD(prices, promexpr.ModelVariable("model"), promexpr.Over(day)), "$model", `gpt-4\\.1`)
	assertUSD(t, "spend of gpt-4.1", byLabel(query(scoped, day), ""), map[string]float64{"": spendGPT41})
}

// A snapshot with a line of its own is priced by that line, and not by its
// model's line too.
func TestSpendUSDSnapshotWithItsOwnLine(t *testing.T) {
	query := instantQueries(t, goldenSeries())
	day := 24 * time.Hour
	prices := append(goldenPrices(), config.ModelPrice{Model: snapshot, InputUSDPerMillion: 0.30, CachedInputUSDPerMillion: 0.15, OutputUSDPerMillion: 1.20})
	byModel := byLabel(query(promexpr.SpendUSD(prices, promexpr.AllModels(), promexpr.Over(day), m.LabelModel), day), m.LabelModel)
	assertUSD(t, "spend by model", byModel, map[string]float64{
		"gpt-4o-mini": spendMini, "o3": spendO3, "gpt-4.1": spendGPT41,
		snapshot: ((1000-500)*0.30 + 500*0.15 + 200*1.20) * 1439 / 1e6, // $0.669135
	})
}

func TestUnpricedTokensFollowTheSnapshotRule(t *testing.T) {
	prices := goldenPrices()
	var series []string
	for _, model := range []string{
		"gpt-4o-mini", snapshot, "o3", "o3-2025-04-16", "gpt-4.1",
		// Not priced: other names that start like a line's, a model
		// whose name the table's regular expression must not catch
		// ("gpt-4.1" must not match "gpt-4x1"), and a model not in the
		// table at all.
		"gpt-4o-mini-2024", "gpt-4o-mini-preview", "o3-mini", "gpt-4x1", "gpt-9-preview",
	} {
		series = append(series,
			tokenSeries("backend-1", model, m.TokenInput, "0+100x30"),
			tokenSeries("backend-1", model, m.TokenOutput, "0+50x30"),
			tokenSeries("backend-1", model, m.TokenTotal, "0+150x30"))
	}
	query := instantQueries(t, series)
	got := byLabel(query(promexpr.UnpricedTokens(prices, promexpr.AllModels(), promexpr.Over(10*time.Minute), m.LabelModel), 30*time.Minute), m.LabelModel)
	want := []string{"gpt-4o-mini-2024", "gpt-4o-mini-preview", "o3-mini", "gpt-4x1", "gpt-9-preview"}
	if len(got) != len(want) {
		t.Errorf("unpriced models %v, want %v", got, want)
	}
	for _, model := range want {
		// 10 minutes of 100 input and 50 output tokens.
		if !near(got[model], 1500) {
			t.Errorf("unpriced %s: %v tokens, want 1500", model, got[model])
		}
	}
	// Every model the unpriced query leaves out has a spend, and none of
	// the unpriced ones has.
	spend := byLabel(query(promexpr.SpendUSD(prices, promexpr.AllModels(), promexpr.Over(10*time.Minute), m.LabelModel), 30*time.Minute), m.LabelModel)
	if len(spend)+len(got) != 10 {
		t.Errorf("priced %v and unpriced %v do not partition the 10 models", spend, got)
	}
	for model := range got {
		if _, ok := spend[model]; ok {
			t.Errorf("%s is both priced and unpriced", model)
		}
	}
}

func TestSnapshotOf(t *testing.T) {
	tests := map[string]string{
		"gpt-4o-mini-2024-07-18": "gpt-4o-mini",
		"o3-2025-04-16":          "o3",
		"gpt-4o-mini":            "",
		"gpt-4o-mini-2024":       "",
		"gpt-4o-2024-08-06x":     "",
	}
	for name, want := range tests {
		got, ok := promexpr.SnapshotOf(name)
		if got != want || ok != (want != "") {
			t.Errorf("SnapshotOf(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
}
