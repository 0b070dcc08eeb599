package promexpr

import (
	"regexp"
	"strings"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
)

// snapshotSuffix is the date OpenAI appends to a model's name to name one of
// its dated snapshots: gpt-4o-mini-2024-07-18 is a snapshot of gpt-4o-mini.
const snapshotSuffix = `-[0-9]{4}-[0-9]{2}-[0-9]{2}`

var datedSnapshot = regexp.MustCompile(`^(.+)` + snapshotSuffix + `$`)

// SnapshotOf returns the model a dated snapshot name belongs to
// (gpt-4o-mini for gpt-4o-mini-2024-07-18), and false for a name without a
// date.
func SnapshotOf(name string) (string, bool) {
	match := datedSnapshot.FindStringSubmatch(name)
	if match == nil {
		return "", false
	}
	return match[1], true
}

// pricedModels selects the tokens a line of the price table prices: its
// model and that model's dated snapshots, except the snapshots that have a
// line of their own. No model is priced by two lines: a name of the form
// <line>-YYYY-MM-DD is either a line, excluded here, or priced by <line>.
func pricedModels(p config.ModelPrice, prices []config.ModelPrice) Selector {
	sel := Series(m.TokensTotal).Matches(m.LabelModel, modelAndSnapshots(p.Model))
	var own []string
	for _, other := range prices {
		if base, ok := SnapshotOf(other.Model); ok && base == p.Model {
			own = append(own, other.Model)
		}
	}
	if len(own) > 0 {
		sel = sel.NotIn(m.LabelModel, own...)
	}
	return sel
}

// modelAndSnapshots is a regular expression that matches the given models
// and their dated snapshots.
func modelAndSnapshots(models ...string) string {
	quoted := alternation(models)
	if len(models) > 1 {
		quoted = "(" + quoted + ")"
	}
	return quoted + "(" + snapshotSuffix + ")?"
}

// SpendUSD is the estimated spend in USD over w, the one spend expression of
// every panel and alert. For each line of the price table:
//
//	(input − cached_input) × input price + cached_input × cached price + output × output price
//
// written as one term per token type, input × input price + cached_input ×
// (cached price − input price) + output × output price, so that the terms
// join with `or` (each keeps its token_type and model labels) and a missing
// series counts 0 instead of making the sum vanish: an older backend that
// records no cached_input is priced as if nothing was cached. Reasoning
// tokens are a part of output and billed as output: they are not added
// again. Models without a price count 0; UnpricedTokens finds them.
func SpendUSD(prices []config.ModelPrice, sc Scope, w Window, by ...string) string {
	if len(prices) == 0 {
		return "0 * " + aggregate("sum", by, increase(inputAndOutputTokens(sc), w))
	}
	terms := make([]string, 0, 3*len(prices))
	for _, p := range prices {
		tokens := pricedModels(p, prices)
		terms = append(terms,
			increase(tokens.Eq(m.LabelTokenType, m.TokenInput).in(sc), w)+" * "+number(p.InputUSDPerMillion),
			increase(tokens.Eq(m.LabelTokenType, m.TokenCachedInput).in(sc), w)+
				" * ("+number(p.CachedInputUSDPerMillion)+" - "+number(p.InputUSDPerMillion)+")",
			increase(tokens.Eq(m.LabelTokenType, m.TokenOutput).in(sc), w)+" * "+number(p.OutputUSDPerMillion),
		)
	}
	return aggregate("sum", by, strings.Join(terms, " or ")) + " / 1e6"
}

// UnpricedTokens is the input and output tokens over w of the models that no
// line of prices prices.
func UnpricedTokens(prices []config.ModelPrice, sc Scope, w Window, by ...string) string {
	return aggregate("sum", by, increase(unpriced(prices, sc), w))
}

// UnpricedTokensPerMinute is the input and output tokens per minute of the
// models that no line of prices prices.
func UnpricedTokensPerMinute(prices []config.ModelPrice, sc Scope, w Window, by ...string) string {
	return "60 * " + aggregate("sum", by, rate(unpriced(prices, sc), w))
}

// unpriced selects the tokens of the models no line prices: neither a line's
// model nor one of its dated snapshots.
func unpriced(prices []config.ModelPrice, sc Scope) Selector {
	sel := inputAndOutputTokens(sc)
	if len(prices) == 0 {
		return sel
	}
	models := make([]string, len(prices))
	for i, p := range prices {
		models[i] = p.Model
	}
	return sel.NotMatches(m.LabelModel, modelAndSnapshots(models...))
}
