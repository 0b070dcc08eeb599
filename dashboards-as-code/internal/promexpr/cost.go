package promexpr

import (
	"strings"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
)

// SpendUSD is the estimated spend in USD over w: each priced model's input
// and output tokens at their list price. Models without a price count 0;
// UnpricedTokens finds them.
func SpendUSD(prices []config.ModelPrice, sc Scope, w Window, by ...string) string {
	if len(prices) == 0 {
		return "0 * " + aggregate("sum", by, increase(billedTokens(sc), w))
	}
	terms := make([]string, 0, 2*len(prices))
	for _, p := range prices {
		tokens := Series(m.TokensTotal).Eq(m.LabelModel, p.Model)
		terms = append(terms,
			increase(tokens.Eq(m.LabelTokenType, m.TokenInput).in(sc), w)+" * "+number(p.InputUSDPerMillion),
			increase(tokens.Eq(m.LabelTokenType, m.TokenOutput).in(sc), w)+" * "+number(p.OutputUSDPerMillion),
		)
	}
	return aggregate("sum", by, strings.Join(terms, " or ")) + " / 1e6"
}

// UnpricedTokens is the billed tokens over w of the models that prices lacks.
func UnpricedTokens(prices []config.ModelPrice, sc Scope, w Window, by ...string) string {
	return aggregate("sum", by, increase(unpriced(prices, sc), w))
}

// UnpricedTokensPerMinute is the billed tokens per minute of the models that
// prices lacks.
func UnpricedTokensPerMinute(prices []config.ModelPrice, sc Scope, w Window, by ...string) string {
	return "60 * " + aggregate("sum", by, rate(unpriced(prices, sc), w))
}

func unpriced(prices []config.ModelPrice, sc Scope) Selector {
	sel := billedTokens(sc)
	if len(prices) == 0 {
		return sel
	}
	models := make([]string, len(prices))
	for i, p := range prices {
		models[i] = p.Model
	}
	return sel.NotIn(m.LabelModel, models...)
}
