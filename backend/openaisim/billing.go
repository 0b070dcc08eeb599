package openaisim

import (
	"slices"
	"sync"
	"time"
)

// day is the length of one bucket of the Costs and Usage APIs: a UTC day.
const day = 24 * time.Hour

// ModelUsage is what the simulator answered for one model on one UTC day,
// as OpenAI's Usage API counts it: InputTokens includes CachedInputTokens,
// OutputTokens includes the reasoning tokens.
type ModelUsage struct {
	Model             string
	Requests          int64
	InputTokens       int64
	CachedInputTokens int64
	OutputTokens      int64
}

// DayBill is the simulator's bill of one UTC day: the usage of every model it
// answered, and their cost at ListPrices, which its Costs API reports.
type DayBill struct {
	// Start is 00:00 UTC of the day.
	Start time.Time
	// Models are sorted by name; empty for a day without traffic.
	Models []ModelUsage
	// CostUSD is the sum of the models' costs, in the order of Models.
	CostUSD float64
}

// ledger holds the usage of every answered chat completion, by UTC day of
// the server's clock and by model. Its zero value is empty and ready.
type ledger struct {
	mu   sync.Mutex
	days map[int64]map[string]*ModelUsage // by the day's Unix start
}

// answered records the usage of a chat completion the server answered: what
// OpenAI would bill for it.
func (s *Server) answered(model string, u usage) {
	s.billing.add(dayStart(s.now()), model, u)
}

func (l *ledger) add(start int64, model string, u usage) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.days == nil {
		l.days = map[int64]map[string]*ModelUsage{}
	}
	models := l.days[start]
	if models == nil {
		models = map[string]*ModelUsage{}
		l.days[start] = models
	}
	mu := models[model]
	if mu == nil {
		mu = &ModelUsage{Model: model}
		models[model] = mu
	}
	mu.Requests++
	mu.InputTokens += int64(u.PromptTokens)
	mu.CachedInputTokens += int64(u.PromptTokensDetails.CachedTokens)
	mu.OutputTokens += int64(u.CompletionTokens)
}

// bill returns the day that starts at start (Unix seconds, 00:00 UTC).
func (l *ledger) bill(start int64) DayBill {
	l.mu.Lock()
	models := make([]ModelUsage, 0, len(l.days[start]))
	for _, mu := range l.days[start] {
		models = append(models, *mu)
	}
	l.mu.Unlock()
	slices.SortFunc(models, func(a, b ModelUsage) int {
		switch {
		case a.Model < b.Model:
			return -1
		case a.Model > b.Model:
			return 1
		}
		return 0
	})
	b := DayBill{Start: time.Unix(start, 0).UTC(), Models: models}
	for _, mu := range models {
		b.CostUSD += mu.cost()
	}
	return b
}

// Bill returns what the simulator bills for the UTC day that holds t: the
// figures its Costs and Usage APIs report for that day (so far, for the
// current day).
func (s *Server) Bill(t time.Time) DayBill {
	return s.billing.bill(dayStart(t))
}

// dayStart is the Unix time of 00:00 UTC of the day that holds t.
func dayStart(t time.Time) int64 {
	return t.UTC().Truncate(day).Unix()
}
