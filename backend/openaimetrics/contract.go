// Package openaimetrics is the metric contract of the Scanium backend's OpenAI
// provider: the names, units, label keys and label values of every instrument
// it records. It is the only place that spells them.
//
// The backend records through these declarations and dashboards-as-code builds
// every PromQL expression from them, so renaming a metric is a compile error,
// never an empty panel.
//
// Instruments are declared with their final Prometheus names (suffixes
// included) and units whose Prometheus suffix the name already carries. The
// OTLP to Prometheus translation of Alloy's otelcol.exporter.prometheus and of
// Prometheus 3 appends `_total` and unit suffixes only when they are missing,
// and Mimir's own OTLP endpoint appends none, so every route stores the same
// series names.
package openaimetrics

import "slices"

// Metric names: the OpenTelemetry instrument names, which are also the final
// Prometheus names.
const (
	RequestsTotal                 = "openai_requests_total"
	RequestDurationSeconds        = "openai_request_duration_seconds"
	TokensTotal                   = "openai_tokens_total"
	RateLimitRequestsRemaining    = "openai_rate_limit_requests_remaining"
	RateLimitTokensRemaining      = "openai_rate_limit_tokens_remaining"
	RateLimitRequestsLimit        = "openai_rate_limit_requests_limit"
	RateLimitTokensLimit          = "openai_rate_limit_tokens_limit"
	RateLimitRequestsResetSeconds = "openai_rate_limit_requests_reset_seconds"
	RateLimitTokensResetSeconds   = "openai_rate_limit_tokens_reset_seconds"
)

// Label keys recorded by the backend.
const (
	// LabelModel is the model the backend asked for, from its configuration;
	// never user input.
	LabelModel = "model"
	// LabelStatus is StatusSuccess or StatusError.
	LabelStatus = "status"
	// LabelErrorType is one of ErrorTypes; present on errors only.
	LabelErrorType = "error_type"
	// LabelTokenType is one of TokenTypes.
	LabelTokenType = "token_type"
	// LabelLimitType is one of LimitTypes.
	LabelLimitType = "limit_type"
)

// Labels that do not come from the backend's attributes but that every
// Prometheus-compatible store adds to the series.
const (
	// LabelBucket is the upper bound label of a histogram's _bucket series.
	LabelBucket = "le"
	// LabelJob is derived from the resource's service.namespace and service.name.
	LabelJob = "job"
	// LabelInstance is derived from the resource's service.instance.id.
	LabelInstance = "instance"
)

// Values of LabelStatus.
const (
	StatusSuccess = "success"
	StatusError   = "error"
)

// Values of LabelErrorType: how an OpenAI call failed.
const (
	// ErrorUnauthorized: OpenAI rejected the backend's key (401, 403).
	ErrorUnauthorized = "UNAUTHORIZED"
	// ErrorRateLimited: OpenAI answered 429.
	ErrorRateLimited = "RATE_LIMITED"
	// ErrorProviderUnavailable: OpenAI answered 5xx, or the connection failed
	// or timed out.
	ErrorProviderUnavailable = "PROVIDER_UNAVAILABLE"
	// ErrorProviderError: anything else, such as a 400 from OpenAI.
	ErrorProviderError = "PROVIDER_ERROR"
)

// Values of LabelTokenType.
const (
	TokenInput  = "input"
	TokenOutput = "output"
	TokenTotal  = "total"
)

// Values of LabelLimitType.
const (
	LimitRequests = "requests"
	LimitTokens   = "tokens"
)

// Statuses returns every value of LabelStatus.
func Statuses() []string { return []string{StatusSuccess, StatusError} }

// ErrorTypes returns every value of LabelErrorType.
func ErrorTypes() []string {
	return []string{ErrorUnauthorized, ErrorRateLimited, ErrorProviderUnavailable, ErrorProviderError}
}

// TokenTypes returns every value of LabelTokenType.
func TokenTypes() []string { return []string{TokenInput, TokenOutput, TokenTotal} }

// LimitTypes returns every value of LabelLimitType.
func LimitTypes() []string { return []string{LimitRequests, LimitTokens} }

// LabelValues returns the closed set of values a label key may take, and false
// for keys whose values are open (model, job, instance, le) or unknown.
func LabelValues(key string) ([]string, bool) {
	switch key {
	case LabelStatus:
		return Statuses(), true
	case LabelErrorType:
		return ErrorTypes(), true
	case LabelTokenType:
		return TokenTypes(), true
	case LabelLimitType:
		return LimitTypes(), true
	}
	return nil, false
}

// Kind is the kind of an instrument.
type Kind int

const (
	Counter Kind = iota + 1
	Histogram
	Gauge
)

func (k Kind) String() string {
	switch k {
	case Counter:
		return "counter"
	case Histogram:
		return "histogram"
	case Gauge:
		return "gauge"
	}
	return "unknown"
}

// Instrument declares one metric of the contract.
type Instrument struct {
	// Name is both the OpenTelemetry instrument name and the Prometheus name.
	Name string
	Kind Kind
	// Unit is the UCUM unit given to the OpenTelemetry instrument.
	Unit        string
	Description string
	// Labels are the label keys the backend may record on it.
	Labels []string
}

// durationBuckets are the explicit bucket bounds of RequestDurationSeconds, in
// seconds: LLM calls take from tens of milliseconds to minutes.
var durationBuckets = []float64{0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 90, 120}

// DurationBuckets returns the histogram bucket bounds of RequestDurationSeconds.
func DurationBuckets() []float64 { return slices.Clone(durationBuckets) }

var instruments = []Instrument{
	{
		Name: RequestsTotal, Kind: Counter, Unit: "{request}",
		Description: "OpenAI API requests, one per attempt, by outcome.",
		Labels:      []string{LabelModel, LabelStatus, LabelErrorType},
	},
	{
		Name: RequestDurationSeconds, Kind: Histogram, Unit: "s",
		Description: "Duration of OpenAI API requests, one per attempt.",
		Labels:      []string{LabelModel, LabelStatus},
	},
	{
		Name: TokensTotal, Kind: Counter, Unit: "{token}",
		Description: "Tokens used by OpenAI API requests, from the responses' usage.",
		Labels:      []string{LabelModel, LabelTokenType},
	},
	{
		Name: RateLimitRequestsRemaining, Kind: Gauge, Unit: "{request}",
		Description: "Requests left in OpenAI's current rate-limit window (x-ratelimit-remaining-requests).",
		Labels:      []string{LabelModel, LabelLimitType},
	},
	{
		Name: RateLimitTokensRemaining, Kind: Gauge, Unit: "{token}",
		Description: "Tokens left in OpenAI's current rate-limit window (x-ratelimit-remaining-tokens).",
		Labels:      []string{LabelModel, LabelLimitType},
	},
	{
		Name: RateLimitRequestsLimit, Kind: Gauge, Unit: "{request}",
		Description: "Requests allowed per OpenAI rate-limit window (x-ratelimit-limit-requests).",
		Labels:      []string{LabelModel, LabelLimitType},
	},
	{
		Name: RateLimitTokensLimit, Kind: Gauge, Unit: "{token}",
		Description: "Tokens allowed per OpenAI rate-limit window (x-ratelimit-limit-tokens).",
		Labels:      []string{LabelModel, LabelLimitType},
	},
	{
		Name: RateLimitRequestsResetSeconds, Kind: Gauge, Unit: "s",
		Description: "Seconds until OpenAI's request rate-limit window resets (x-ratelimit-reset-requests).",
		Labels:      []string{LabelModel, LabelLimitType},
	},
	{
		Name: RateLimitTokensResetSeconds, Kind: Gauge, Unit: "s",
		Description: "Seconds until OpenAI's token rate-limit window resets (x-ratelimit-reset-tokens).",
		Labels:      []string{LabelModel, LabelLimitType},
	},
}

// Instruments returns every instrument of the contract.
func Instruments() []Instrument {
	out := make([]Instrument, len(instruments))
	for i, in := range instruments {
		in.Labels = slices.Clone(in.Labels)
		out[i] = in
	}
	return out
}

// Histogram series suffixes as stored by Prometheus-compatible backends.
const (
	SuffixBucket = "_bucket"
	SuffixSum    = "_sum"
	SuffixCount  = "_count"
)

// Series is one Prometheus series name of the contract with the labels it
// can carry in a Prometheus-compatible store.
type Series struct {
	Name       string
	Instrument Instrument
	Labels     []string
}

// AllSeries returns every Prometheus series name the contract produces: each
// counter and gauge under its own name, each histogram as _bucket (with le),
// _sum and _count. Labels include the target labels job and instance.
func AllSeries() []Series {
	var out []Series
	for _, in := range Instruments() {
		base := append(slices.Clone(in.Labels), LabelJob, LabelInstance)
		if in.Kind != Histogram {
			out = append(out, Series{Name: in.Name, Instrument: in, Labels: base})
			continue
		}
		out = append(out,
			Series{Name: in.Name + SuffixBucket, Instrument: in, Labels: append(slices.Clone(base), LabelBucket)},
			Series{Name: in.Name + SuffixSum, Instrument: in, Labels: slices.Clone(base)},
			Series{Name: in.Name + SuffixCount, Instrument: in, Labels: slices.Clone(base)},
		)
	}
	return out
}

// LookupSeries finds a Prometheus series name of the contract.
func LookupSeries(name string) (Series, bool) {
	for _, s := range AllSeries() {
		if s.Name == name {
			return s, true
		}
	}
	return Series{}, false
}

// Bucket, Sum and Count name the Prometheus series of a histogram instrument.
func Bucket(histogram string) string { return histogram + SuffixBucket }
func Sum(histogram string) string    { return histogram + SuffixSum }
func Count(histogram string) string  { return histogram + SuffixCount }
