package billing

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// instrumentationScope names the meter of the billed metrics.
const instrumentationScope = "github.com/scanium/openai-monitoring/backend/internal/billing"

// Gauges report the last successfully polled Day as the contract's billed
// gauges, observed at each collection; nothing before the first success.
// A failed poll leaves them as they were. It is safe for concurrent use.
type Gauges struct {
	day atomic.Pointer[observedDay]

	cost     metric.Float64ObservableGauge
	tokens   metric.Int64ObservableGauge
	requests metric.Int64ObservableGauge
	start    metric.Int64ObservableGauge
}

// observedDay is a Day with its attribute sets made once, when it is stored.
type observedDay struct {
	day    Day
	models []modelObservation
}

type modelObservation struct {
	usage    Usage
	requests metric.ObserveOption
	// tokens and tokenValues are the options and values of each of
	// m.BilledTokenTypes, in its order.
	tokens      []metric.ObserveOption
	tokenValues []int64
}

// NewGauges creates the billed gauges of the contract on mp.
func NewGauges(mp metric.MeterProvider) (*Gauges, error) {
	spec := map[string]m.Instrument{}
	for _, in := range m.Instruments() {
		if in.Recorder == m.RecorderBilling {
			spec[in.Name] = in
		}
	}
	opts := func(name string) []metric.Int64ObservableGaugeOption {
		return []metric.Int64ObservableGaugeOption{metric.WithUnit(spec[name].Unit), metric.WithDescription(spec[name].Description)}
	}
	meter := mp.Meter(instrumentationScope)
	g := &Gauges{}
	var err error
	errs := make([]error, 4)
	g.cost, errs[0] = meter.Float64ObservableGauge(m.BilledCostUSD,
		metric.WithUnit(spec[m.BilledCostUSD].Unit), metric.WithDescription(spec[m.BilledCostUSD].Description))
	g.tokens, errs[1] = meter.Int64ObservableGauge(m.BilledTokens, opts(m.BilledTokens)...)
	g.requests, errs[2] = meter.Int64ObservableGauge(m.BilledRequests, opts(m.BilledRequests)...)
	g.start, errs[3] = meter.Int64ObservableGauge(m.BilledDayStartTimestampSeconds, opts(m.BilledDayStartTimestampSeconds)...)
	if err = errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("create the billed metric instruments: %w", err)
	}
	if _, err := meter.RegisterCallback(g.observe, g.cost, g.tokens, g.requests, g.start); err != nil {
		return nil, fmt.Errorf("register the billed gauges: %w", err)
	}
	return g, nil
}

// Set makes d the day the gauges report.
func (g *Gauges) Set(d Day) {
	o := &observedDay{day: d}
	for _, model := range slices.Sorted(maps.Keys(d.Models)) {
		modelAttr := attribute.String(m.LabelModel, model)
		mo := modelObservation{
			usage:    d.Models[model],
			requests: metric.WithAttributeSet(attribute.NewSet(modelAttr)),
		}
		for _, tokenType := range m.BilledTokenTypes() {
			mo.tokens = append(mo.tokens, metric.WithAttributeSet(attribute.NewSet(modelAttr, attribute.String(m.LabelTokenType, tokenType))))
			mo.tokenValues = append(mo.tokenValues, mo.usage.tokens(tokenType))
		}
		o.models = append(o.models, mo)
	}
	g.day.Store(o)
}

// Day returns the day the gauges report, and false before the first Set.
func (g *Gauges) Day() (Day, bool) {
	o := g.day.Load()
	if o == nil {
		return Day{}, false
	}
	return o.day, true
}

func (g *Gauges) observe(_ context.Context, obs metric.Observer) error {
	o := g.day.Load()
	if o == nil {
		return nil
	}
	obs.ObserveFloat64(g.cost, o.day.CostUSD)
	obs.ObserveInt64(g.start, o.day.Start.Unix())
	for _, mo := range o.models {
		obs.ObserveInt64(g.requests, mo.usage.Requests, mo.requests)
		for i, v := range mo.tokenValues {
			obs.ObserveInt64(g.tokens, v, mo.tokens[i])
		}
	}
	return nil
}

// tokens returns the usage's count of a billed token type.
func (u Usage) tokens(tokenType string) int64 {
	switch tokenType {
	case m.TokenInput:
		return u.InputTokens
	case m.TokenCachedInput:
		return u.CachedInputTokens
	case m.TokenOutput:
		return u.OutputTokens
	}
	return 0
}
