package openaiprovider

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// instrumentationScope names the meter the OpenAI metrics are recorded with.
const instrumentationScope = "github.com/scanium/openai-monitoring/backend/internal/openaiprovider"

// Attempt is the outcome of one OpenAI API request: one attempt of a call.
type Attempt struct {
	// Duration is the attempt's whole time: to the answer, or, streamed,
	// to the stream's end.
	Duration time.Duration
	// Failed: the attempt failed (status error), of kind Kind, which the
	// Recorder turns into the error_type label. Kind is read only when
	// Failed is set; a value that is no kind counts as KindProviderError.
	Failed bool
	Kind   ErrorKind
	// Stream tells a streamed attempt (label stream="true").
	Stream bool
	// Cancelled: the client went away during a streamed answer, which
	// was cancelled (status cancelled); not an OpenAI failure, whatever
	// Failed says.
	Cancelled bool
	// TimeToFirstToken is, for a streamed attempt that got a content chunk
	// (FirstToken set), the time from sending its request to that chunk.
	TimeToFirstToken time.Duration
	FirstToken       bool
	// Usage is the response's token usage. It is counted on success, on
	// cancellation (whatever usage arrived), and for a streamed attempt
	// that failed after its usage chunk came; a failed call that is not
	// streamed has no usage of its own and counts none.
	Usage Usage
	// RateLimits are the response's x-ratelimit-* headers, errors included.
	RateLimits RateLimits
}

// Usage is a response's token usage.
type Usage struct {
	InputTokens  int64
	OutputTokens int64
	TotalTokens  int64
	// CachedInputTokens is the part of InputTokens read from OpenAI's prompt
	// cache (usage.prompt_tokens_details.cached_tokens); 0 when the usage
	// has no details.
	CachedInputTokens int64
	// ReasoningTokens is the part of OutputTokens a reasoning model spent
	// thinking (usage.completion_tokens_details.reasoning_tokens); 0 when
	// the usage has no details.
	ReasoningTokens int64
}

// outcome indexes the attribute sets of the requests counter: success,
// cancelled, then one outcome per ErrorKind.
type outcome int

const (
	outcomeSuccess outcome = iota
	// outcomeCancelled: a streamed call the client went away from.
	outcomeCancelled
	// outcomeFailed is the outcome of KindProviderError; kind k's is
	// outcomeFailed + k.
	outcomeFailed
	outcomeCount = outcomeFailed + outcome(errorKindCount)
)

// The status index of each outcome: into Recorder.durationOpts and
// Recorder.firstTokenOpts.
const (
	statusSuccess = iota
	statusError
	statusCancelled
	statusCount
)

func (o outcome) status() int {
	switch o {
	case outcomeSuccess:
		return statusSuccess
	case outcomeCancelled:
		return statusCancelled
	}
	return statusError
}

// streamIndex is the index of a call's stream label: 0 for "false", 1 for
// "true".
func streamIndex(stream bool) int {
	if stream {
		return 1
	}
	return 0
}

var streamValues = [2]string{m.StreamFalse, m.StreamTrue}

func outcomeOf(a *Attempt) outcome {
	switch {
	case a.Cancelled:
		return outcomeCancelled
	case !a.Failed:
		return outcomeSuccess
	case a.Kind >= errorKindCount:
		return outcomeFailed + outcome(KindProviderError)
	}
	return outcomeFailed + outcome(a.Kind)
}

// errorType is the outcome's error_type label value; "" for success and
// cancellation, which have none.
func (o outcome) errorType() string {
	if o < outcomeFailed {
		return ""
	}
	return ErrorKind(o - outcomeFailed).Label()
}

// The token types, in the order of Recorder.tokenCount.
const (
	tokenInput = iota
	tokenOutput
	tokenTotal
	tokenCachedInput
	tokenReasoning
	tokenTypeCount
)

var tokenTypes = [tokenTypeCount]string{m.TokenInput, m.TokenOutput, m.TokenTotal, m.TokenCachedInput, m.TokenReasoning}

// Recorder records OpenAI calls into the instruments of the metric contract.
// Its instruments and attribute sets are made once, for one model; recording
// an attempt allocates nothing. It is safe for concurrent use, and a nil
// *Recorder records nothing.
//
// Only the duration and first-token histograms are synchronous instruments:
// they take the context, so a sampled span in it becomes the exemplar of its
// bucket (the
// SDK's default exemplar filter, trace_based; OTEL_METRICS_EXEMPLAR_FILTER
// set to always_off turns exemplars off). The
// counters and the rate-limit gauges live in atomic cells that the hot path
// updates and the collection callback reports: the counters as the
// cumulative totals of observable counters, the gauges as the latest values.
type Recorder struct {
	duration     metric.Float64Histogram
	durationOpts [2][statusCount][]metric.RecordOption // by stream, status
	// firstToken is recorded for streamed attempts only.
	firstToken     metric.Float64Histogram
	firstTokenOpts [statusCount][]metric.RecordOption

	requestCount [2][outcomeCount]atomic.Int64 // by stream, outcome
	tokenCount   [tokenTypeCount]atomic.Int64
	latest       [gaugeCount]atomic.Uint64 // math.Float64bits; unsetBits until a header is seen

	requests   metric.Int64ObservableCounter
	tokens     metric.Int64ObservableCounter
	countGauge [gaugeCount]metric.Int64ObservableGauge
	secsGauge  [gaugeCount]metric.Float64ObservableGauge

	requestOpts [2][outcomeCount][]metric.ObserveOption // by stream, outcome
	tokenOpts   [tokenTypeCount][]metric.ObserveOption
	limitOpts   [2][]metric.ObserveOption // requests, tokens
}

// The rate-limit gauges, in the order of Recorder.latest.
const (
	gaugeRemainingRequests = iota
	gaugeRemainingTokens
	gaugeLimitRequests
	gaugeLimitTokens
	gaugeResetRequests
	gaugeResetTokens
	gaugeCount
)

// gaugeNames and gaugeLimitType describe each rate-limit gauge.
var (
	gaugeNames = [gaugeCount]string{
		m.RateLimitRequestsRemaining, m.RateLimitTokensRemaining,
		m.RateLimitRequestsLimit, m.RateLimitTokensLimit,
		m.RateLimitRequestsResetSeconds, m.RateLimitTokensResetSeconds,
	}
	gaugeLimitType = [gaugeCount]int{0, 1, 0, 1, 0, 1} // index into limitOpts
	// gaugeBound is the largest value each gauge takes: the bounds
	// ParseRateLimits applies, which keep the int gauges' conversions exact.
	gaugeBound = [gaugeCount]float64{
		maxRateLimitCount, maxRateLimitCount, maxRateLimitCount, maxRateLimitCount,
		maxRateLimitResetSeconds, maxRateLimitResetSeconds,
	}
)

// unsetBits marks a gauge no header has set yet: a NaN no header parses to.
const unsetBits = 0x7ff8_dead_beef_0001

// NewRecorder creates the instruments of the metric contract on mp for model,
// the model the backend asks OpenAI for.
func NewRecorder(mp metric.MeterProvider, model string) (*Recorder, error) {
	meter := mp.Meter(instrumentationScope)
	spec := instrumentSpecs()
	unit := func(name string) metric.InstrumentOption { return metric.WithUnit(spec[name].Unit) }
	desc := func(name string) metric.InstrumentOption { return metric.WithDescription(spec[name].Description) }
	var errs []error
	r := &Recorder{}
	var err error
	r.duration, err = meter.Float64Histogram(m.RequestDurationSeconds,
		metric.WithUnit(spec[m.RequestDurationSeconds].Unit),
		metric.WithDescription(spec[m.RequestDurationSeconds].Description),
		metric.WithExplicitBucketBoundaries(m.DurationBuckets()...))
	errs = append(errs, err)
	r.firstToken, err = meter.Float64Histogram(m.TimeToFirstTokenSeconds,
		unit(m.TimeToFirstTokenSeconds), desc(m.TimeToFirstTokenSeconds),
		metric.WithExplicitBucketBoundaries(m.FirstTokenBuckets()...))
	errs = append(errs, err)
	r.requests, err = meter.Int64ObservableCounter(m.RequestsTotal, unit(m.RequestsTotal), desc(m.RequestsTotal))
	errs = append(errs, err)
	r.tokens, err = meter.Int64ObservableCounter(m.TokensTotal, unit(m.TokensTotal), desc(m.TokensTotal))
	errs = append(errs, err)
	observables := []metric.Observable{r.requests, r.tokens}
	for i, name := range gaugeNames {
		r.latest[i].Store(unsetBits)
		if i >= gaugeResetRequests {
			r.secsGauge[i], err = meter.Float64ObservableGauge(name, unit(name), desc(name))
			observables = append(observables, r.secsGauge[i])
		} else {
			r.countGauge[i], err = meter.Int64ObservableGauge(name, unit(name), desc(name))
			observables = append(observables, r.countGauge[i])
		}
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("create the OpenAI metric instruments: %w", err)
	}

	modelAttr := attribute.String(m.LabelModel, model)
	statuses := [statusCount]attribute.KeyValue{
		attribute.String(m.LabelStatus, m.StatusSuccess),
		attribute.String(m.LabelStatus, m.StatusError),
		attribute.String(m.LabelStatus, m.StatusCancelled),
	}
	for si, stream := range streamValues {
		streamAttr := attribute.String(m.LabelStream, stream)
		for o := range outcomeCount {
			attrs := []attribute.KeyValue{modelAttr, statuses[o.status()], streamAttr}
			if et := o.errorType(); et != "" {
				attrs = append(attrs, attribute.String(m.LabelErrorType, et))
			}
			r.requestOpts[si][o] = []metric.ObserveOption{metric.WithAttributeSet(attribute.NewSet(attrs...))}
		}
		for st, status := range statuses {
			set := attribute.NewSet(modelAttr, status, streamAttr)
			r.durationOpts[si][st] = []metric.RecordOption{metric.WithAttributeSet(set)}
			if stream == m.StreamTrue {
				r.firstTokenOpts[st] = r.durationOpts[si][st]
			}
		}
	}
	for i, tokenType := range tokenTypes {
		set := attribute.NewSet(modelAttr, attribute.String(m.LabelTokenType, tokenType))
		r.tokenOpts[i] = []metric.ObserveOption{metric.WithAttributeSet(set)}
	}
	for i, limitType := range [2]string{m.LimitRequests, m.LimitTokens} {
		set := attribute.NewSet(modelAttr, attribute.String(m.LabelLimitType, limitType))
		r.limitOpts[i] = []metric.ObserveOption{metric.WithAttributeSet(set)}
	}
	if _, err := meter.RegisterCallback(r.observe, observables...); err != nil {
		return nil, fmt.Errorf("register the OpenAI counters and rate-limit gauges: %w", err)
	}
	return r, nil
}

// Record records one attempt: the request and its duration, the time to
// its first content chunk (streamed attempts that got one), the tokens it
// used, and whatever rate-limit headers it carried. A sampled span in ctx
// becomes an exemplar of the histograms.
func (r *Recorder) Record(ctx context.Context, a Attempt) {
	if r == nil {
		return
	}
	o := outcomeOf(&a)
	si, st := streamIndex(a.Stream), o.status()
	r.requestCount[si][o].Add(1)
	r.duration.Record(ctx, a.Duration.Seconds(), r.durationOpts[si][st]...)
	if a.Stream && a.FirstToken {
		r.firstToken.Record(ctx, a.TimeToFirstToken.Seconds(), r.firstTokenOpts[st]...)
	}
	if st != statusError || a.Stream {
		r.addTokens(tokenInput, a.Usage.InputTokens)
		r.addTokens(tokenOutput, a.Usage.OutputTokens)
		r.addTokens(tokenTotal, a.Usage.TotalTokens)
		r.addTokens(tokenCachedInput, a.Usage.CachedInputTokens)
		r.addTokens(tokenReasoning, a.Usage.ReasoningTokens)
	}
	rl := &a.RateLimits
	r.store(gaugeRemainingRequests, rl.RemainingRequests)
	r.store(gaugeRemainingTokens, rl.RemainingTokens)
	r.store(gaugeLimitRequests, rl.LimitRequests)
	r.store(gaugeLimitTokens, rl.LimitTokens)
	r.store(gaugeResetRequests, rl.ResetRequests)
	r.store(gaugeResetTokens, rl.ResetTokens)
}

// addTokens counts n tokens; an implausible count (over maxUsageTokens) is
// not counted, so that a hostile answer cannot wrap the counter. A count of
// 0 adds nothing, so an answer without details costs no atomic write.
func (r *Recorder) addTokens(idx int, n int64) {
	if n > 0 && n <= maxUsageTokens {
		r.tokenCount[idx].Add(n)
	}
}

// store keeps a header's value for the next collection; an absent value, or
// one out of the gauge's bounds (NaN included), leaves the gauge as it was.
func (r *Recorder) store(gauge int, v Value) {
	if !v.OK || !(v.V >= 0 && v.V <= gaugeBound[gauge]) {
		return
	}
	// An unchanged value is not written again: concurrent calls then share
	// the cell's cache line rather than take it from each other.
	if bits := math.Float64bits(v.V); r.latest[gauge].Load() != bits {
		r.latest[gauge].Store(bits)
	}
}

// observe reports, at collection time, the cumulative requests and tokens
// counted and the latest value of every rate-limit gauge a header has set.
// Every counter series is reported from the start, at 0 until counted, so
// that the first error of a kind is an increase rate() and increase() see,
// and an error ratio reads 0 rather than nothing; but for the cancelled
// series of calls that are not streamed, which no call can have.
func (r *Recorder) observe(_ context.Context, o metric.Observer) error {
	for si := range streamValues {
		for i := range outcomeCount {
			if i == outcomeCancelled && si == streamIndex(false) {
				continue
			}
			o.ObserveInt64(r.requests, r.requestCount[si][i].Load(), r.requestOpts[si][i]...)
		}
	}
	for i := range tokenTypeCount {
		o.ObserveInt64(r.tokens, r.tokenCount[i].Load(), r.tokenOpts[i]...)
	}
	for i := range gaugeCount {
		bits := r.latest[i].Load()
		if bits == unsetBits {
			continue
		}
		v, opts := math.Float64frombits(bits), r.limitOpts[gaugeLimitType[i]]
		if i >= gaugeResetRequests {
			o.ObserveFloat64(r.secsGauge[i], v, opts...)
		} else {
			o.ObserveInt64(r.countGauge[i], int64(v), opts...)
		}
	}
	return nil
}

// instrumentSpecs indexes the contract's instruments by name.
func instrumentSpecs() map[string]m.Instrument {
	out := map[string]m.Instrument{}
	for _, in := range m.Instruments() {
		out[in.Name] = in
	}
	return out
}
