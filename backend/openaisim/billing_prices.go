package openaisim

import (
	"maps"
	"regexp"
	"strings"
)

// Price is the list price of a model, in USD per million tokens.
type Price struct {
	Input       float64
	CachedInput float64
	Output      float64
}

// listPrices are OpenAI's standard-tier list prices of text tokens, as
// published on openai.com/api/pricing in August 2025.
var listPrices = map[string]Price{
	"gpt-4o-mini":  {Input: 0.15, CachedInput: 0.075, Output: 0.60},
	"gpt-4o":       {Input: 2.50, CachedInput: 1.25, Output: 10.00},
	"gpt-4.1":      {Input: 2.00, CachedInput: 0.50, Output: 8.00},
	"gpt-4.1-mini": {Input: 0.40, CachedInput: 0.10, Output: 1.60},
	"gpt-4.1-nano": {Input: 0.10, CachedInput: 0.025, Output: 0.40},
	"gpt-5":        {Input: 1.25, CachedInput: 0.125, Output: 10.00},
	"gpt-5-mini":   {Input: 0.25, CachedInput: 0.025, Output: 2.00},
	"gpt-5-nano":   {Input: 0.05, CachedInput: 0.005, Output: 0.40},
	"o1":           {Input: 15.00, CachedInput: 7.50, Output: 60.00},
	"o3":           {Input: 2.00, CachedInput: 0.50, Output: 8.00},
	"o3-mini":      {Input: 1.10, CachedInput: 0.55, Output: 4.40},
	"o4-mini":      {Input: 1.10, CachedInput: 0.275, Output: 4.40},
}

// ListPrices returns the prices the simulator bills with, by model: the
// list prices OpenAI bills with, so that its Costs API answers what OpenAI's
// would for the same traffic.
func ListPrices() map[string]Price {
	return maps.Clone(listPrices)
}

// snapshotSuffix is the date OpenAI appends to a model's name to name one
// snapshot of it, as in gpt-4o-mini-2024-07-18.
var snapshotSuffix = regexp.MustCompile(`^-\d{4}-\d{2}-\d{2}$`)

// PriceOf returns the list price of model, or of the model a dated snapshot
// such as gpt-4o-mini-2024-07-18 belongs to; false for a model the price
// list does not hold, which the simulator bills nothing for.
func PriceOf(model string) (Price, bool) {
	if p, ok := listPrices[model]; ok {
		return p, true
	}
	for name, p := range listPrices {
		if rest, ok := strings.CutPrefix(model, name); ok && snapshotSuffix.MatchString(rest) {
			return p, true
		}
	}
	return Price{}, false
}

// Cost is what tokens cost at p, in USD: the uncached input at the input
// price, the cached input at the cached price, the output (reasoning
// included) at the output price. cached is a part of input.
func (p Price) Cost(input, cached, output int64) float64 {
	return (float64(input-cached)*p.Input + float64(cached)*p.CachedInput + float64(output)*p.Output) / 1e6
}

// cost is the model's usage at its list price; 0 for a model without one.
func (mu ModelUsage) cost() float64 {
	p, ok := PriceOf(mu.Model)
	if !ok {
		return 0
	}
	return p.Cost(mu.InputTokens, mu.CachedInputTokens, mu.OutputTokens)
}
