// Package openaimetrics is the metric contract of the Scanium backend: the
// names, units, label keys and label values of every instrument its OpenAI
// provider records, and of the one its HTTP API records about itself. It is
// the only place that spells them.
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
//
// Label keys are declared as Prometheus stores them. The OpenAI instruments'
// attribute keys are those labels; the HTTP server instrument follows the
// OpenTelemetry HTTP semantic conventions, whose attribute keys (http.route)
// every route stores with '_' for '.' (http_route): AttributeKey gives the key
// to record for a label.
package openaimetrics

import "slices"

// Metric names: the OpenTelemetry instrument names, which are also the final
// Prometheus names.
const (
	RequestsTotal          = "openai_requests_total"
	RequestDurationSeconds = "openai_request_duration_seconds"
	// TimeToFirstTokenSeconds is, for a streamed call, the time from sending
	// the request to its first content chunk.
	TimeToFirstTokenSeconds       = "openai_time_to_first_token_seconds"
	TokensTotal                   = "openai_tokens_total"
	RateLimitRequestsRemaining    = "openai_rate_limit_requests_remaining"
	RateLimitTokensRemaining      = "openai_rate_limit_tokens_remaining"
	RateLimitRequestsLimit        = "openai_rate_limit_requests_limit"
	RateLimitTokensLimit          = "openai_rate_limit_tokens_limit"
	RateLimitRequestsResetSeconds = "openai_rate_limit_requests_reset_seconds"
	RateLimitTokensResetSeconds   = "openai_rate_limit_tokens_reset_seconds"
	// HTTPServerRequestDurationSeconds is the OpenTelemetry HTTP server
	// metric http.server.request.duration of the backend's own API, under
	// its Prometheus name.
	HTTPServerRequestDurationSeconds = "http_server_request_duration_seconds"

	// What OpenAI billed, from its Costs and Usage APIs, for one complete
	// UTC day: BilledDayStartTimestampSeconds says which. The billing
	// exporter (backend/cmd/openai-billing) records them, not the backend.

	// BilledCostUSD is the Costs API's amount for the day, in USD.
	BilledCostUSD = "openai_billed_cost_usd"
	// BilledTokens is the Usage API's tokens for the day, by model and
	// token_type (TokenInput, TokenCachedInput, TokenOutput).
	BilledTokens = "openai_billed_tokens"
	// BilledRequests is the Usage API's model requests for the day, by model.
	BilledRequests = "openai_billed_requests"
	// BilledDayStartTimestampSeconds is the Unix time of 00:00 UTC of the
	// day the other billed metrics describe.
	BilledDayStartTimestampSeconds = "openai_billed_day_start_timestamp_seconds"
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
	// LabelStream is StreamTrue for a streamed call, StreamFalse otherwise.
	LabelStream = "stream"
	// LabelHTTPRequestMethod is one of HTTPMethods: the request's method, or
	// HTTPMethodOther for a method the semantic conventions do not know.
	LabelHTTPRequestMethod = "http_request_method"
	// LabelHTTPRoute is one of HTTPRoutes: the API route that matched, or
	// HTTPRouteUnmatched; never the request's path.
	LabelHTTPRoute = "http_route"
	// LabelHTTPResponseStatusCode is the response's numeric status code,
	// such as 200 or 503.
	LabelHTTPResponseStatusCode = "http_response_status_code"
)

// attributeKeys maps the label keys whose OpenTelemetry attribute key differs
// to that key: the HTTP semantic conventions' names.
var attributeKeys = map[string]string{
	LabelHTTPRequestMethod:      "http.request.method",
	LabelHTTPRoute:              "http.route",
	LabelHTTPResponseStatusCode: "http.response.status_code",
}

// AttributeKey returns the OpenTelemetry attribute key the backend records
// for a label key: http.route for http_route, the label itself for the
// others.
func AttributeKey(label string) string {
	if key, ok := attributeKeys[label]; ok {
		return key
	}
	return label
}

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
	// StatusCancelled: the client went away during a streamed answer and
	// the call was cancelled; not an OpenAI failure, so never counted as an
	// error (no error_type).
	StatusCancelled = "cancelled"
)

// Values of LabelStream.
const (
	StreamTrue  = "true"
	StreamFalse = "false"
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

// Values of LabelTokenType. TokenInput, TokenOutput and TokenTotal are the
// usage's prompt, completion and total tokens; TokenCachedInput is a part of
// TokenInput and TokenReasoning a part of TokenOutput (see TokenPartOf), so a
// query that sums token types counts tokens twice.
const (
	TokenInput  = "input"
	TokenOutput = "output"
	TokenTotal  = "total"
	// TokenCachedInput: the input tokens read from OpenAI's prompt cache
	// (usage.prompt_tokens_details.cached_tokens), billed at the cached
	// price. 0 when the usage has no details.
	TokenCachedInput = "cached_input"
	// TokenReasoning: the output tokens a reasoning model spent thinking
	// (usage.completion_tokens_details.reasoning_tokens), billed as output.
	// 0 when the usage has no details.
	TokenReasoning = "reasoning"
)

// TokenPartOf returns the token type that a token type is a part of:
// TokenInput for TokenCachedInput, TokenOutput for TokenReasoning, and false
// for the others (TokenTotal is the sum of TokenInput and TokenOutput).
func TokenPartOf(tokenType string) (string, bool) {
	switch tokenType {
	case TokenCachedInput:
		return TokenInput, true
	case TokenReasoning:
		return TokenOutput, true
	}
	return "", false
}

// Values of LabelLimitType.
const (
	LimitRequests = "requests"
	LimitTokens   = "tokens"
)

// Values of LabelHTTPRoute: the routes of the backend's API, and one value
// for every path none of them matches.
const (
	HTTPRouteChat   = "/api/assistant/chat"
	HTTPRouteHealth = "/healthz"
	HTTPRouteReady  = "/readyz"
	// HTTPRouteUnmatched is the route of a request no route matched (a 404):
	// its path is never a label value.
	HTTPRouteUnmatched = "_OTHER"
)

// HTTPMethodOther is the LabelHTTPRequestMethod of a method the semantic
// conventions do not know, as they prescribe.
const HTTPMethodOther = "_OTHER"

// Statuses returns every value of LabelStatus.
func Statuses() []string { return []string{StatusSuccess, StatusError, StatusCancelled} }

// Streams returns every value of LabelStream.
func Streams() []string { return []string{StreamTrue, StreamFalse} }

// ErrorTypes returns every value of LabelErrorType.
func ErrorTypes() []string {
	return []string{ErrorUnauthorized, ErrorRateLimited, ErrorProviderUnavailable, ErrorProviderError}
}

// TokenTypes returns every value of LabelTokenType.
func TokenTypes() []string {
	return []string{TokenInput, TokenOutput, TokenTotal, TokenCachedInput, TokenReasoning}
}

// BilledTokenTypes returns the values of LabelTokenType on BilledTokens: the
// Usage API's input (cached included), cached input and output tokens.
func BilledTokenTypes() []string { return []string{TokenInput, TokenCachedInput, TokenOutput} }

// LimitTypes returns every value of LabelLimitType.
func LimitTypes() []string { return []string{LimitRequests, LimitTokens} }

// HTTPRoutes returns every value of LabelHTTPRoute.
func HTTPRoutes() []string {
	return []string{HTTPRouteChat, HTTPRouteHealth, HTTPRouteReady, HTTPRouteUnmatched}
}

// HTTPMethods returns every value of LabelHTTPRequestMethod: the methods the
// HTTP semantic conventions know (RFC 9110's and PATCH), and HTTPMethodOther.
func HTTPMethods() []string {
	return []string{"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE", HTTPMethodOther}
}

// LabelValues returns the closed set of values a label key may take, and false
// for keys whose values are open (model, the status code, job, instance, le)
// or unknown.
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
	case LabelStream:
		return Streams(), true
	case LabelHTTPRoute:
		return HTTPRoutes(), true
	case LabelHTTPRequestMethod:
		return HTTPMethods(), true
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
	// Recorder is the program that records it.
	Recorder Recorder
}

// Recorder names the program that records an instrument.
type Recorder int

const (
	// RecorderProvider: the backend's OpenAI provider (the zero value).
	RecorderProvider Recorder = iota
	// RecorderHTTPServer: the backend's HTTP API, about itself.
	RecorderHTTPServer
	// RecorderBilling: the billing exporter, from OpenAI's Costs and Usage
	// APIs.
	RecorderBilling
)

// durationBuckets are the explicit bucket bounds of RequestDurationSeconds, in
// seconds: LLM calls take from tens of milliseconds to minutes.
var durationBuckets = []float64{0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 90, 120}

// DurationBuckets returns the histogram bucket bounds of RequestDurationSeconds.
func DurationBuckets() []float64 { return slices.Clone(durationBuckets) }

// firstTokenBuckets are the explicit bucket bounds of
// TimeToFirstTokenSeconds, in seconds: a first token comes after 10 ms (a
// cached answer nearby) to 30 s (a reasoning model thinking).
var firstTokenBuckets = []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30}

// FirstTokenBuckets returns the histogram bucket bounds of
// TimeToFirstTokenSeconds.
func FirstTokenBuckets() []float64 { return slices.Clone(firstTokenBuckets) }

// httpServerDurationBuckets are the explicit bucket bounds of
// HTTPServerRequestDurationSeconds, in seconds: a health check takes about a
// millisecond, a chat request from 50 ms to 30 s (its OpenAI calls and their
// retries).
var httpServerDurationBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60}

// HTTPServerDurationBuckets returns the histogram bucket bounds of
// HTTPServerRequestDurationSeconds.
func HTTPServerDurationBuckets() []float64 { return slices.Clone(httpServerDurationBuckets) }

var instruments = []Instrument{
	{
		Name: RequestsTotal, Kind: Counter, Unit: "{request}",
		Description: "OpenAI API requests, one per attempt, by outcome.",
		Labels:      []string{LabelModel, LabelStatus, LabelErrorType, LabelStream},
	},
	{
		Name: RequestDurationSeconds, Kind: Histogram, Unit: "s",
		Description: "Duration of OpenAI API requests, one per attempt, streamed or not: to the last chunk of a streamed answer.",
		Labels:      []string{LabelModel, LabelStatus, LabelStream},
	},
	{
		Name: TimeToFirstTokenSeconds, Kind: Histogram, Unit: "s",
		Description: "Time from sending a streamed OpenAI API request to its first content chunk, one per attempt that got one.",
		Labels:      []string{LabelModel, LabelStatus, LabelStream},
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
	{
		Name: HTTPServerRequestDurationSeconds, Kind: Histogram, Unit: "s",
		Description: "Duration of HTTP server requests.",
		Labels:      []string{LabelHTTPRequestMethod, LabelHTTPRoute, LabelHTTPResponseStatusCode},
		Recorder:    RecorderHTTPServer,
	},
	{
		Name: BilledCostUSD, Kind: Gauge, Unit: "{USD}",
		Description: "What OpenAI's Costs API billed for the UTC day of openai_billed_day_start_timestamp_seconds, in USD.",
		Labels:      []string{},
		Recorder:    RecorderBilling,
	},
	{
		Name: BilledTokens, Kind: Gauge, Unit: "{token}",
		Description: "Tokens OpenAI's Usage API counted for the UTC day of openai_billed_day_start_timestamp_seconds; cached_input is a part of input.",
		Labels:      []string{LabelModel, LabelTokenType},
		Recorder:    RecorderBilling,
	},
	{
		Name: BilledRequests, Kind: Gauge, Unit: "{request}",
		Description: "Model requests OpenAI's Usage API counted for the UTC day of openai_billed_day_start_timestamp_seconds.",
		Labels:      []string{LabelModel},
		Recorder:    RecorderBilling,
	},
	{
		Name: BilledDayStartTimestampSeconds, Kind: Gauge, Unit: "s",
		Description: "Unix time of 00:00 UTC of the complete day the openai_billed_ metrics describe.",
		Labels:      []string{},
		Recorder:    RecorderBilling,
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
