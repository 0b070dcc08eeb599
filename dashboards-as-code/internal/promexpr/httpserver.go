package promexpr

import (
	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// StatusClass is a class of HTTP response status codes, as a regular
// expression on the status code label.
type StatusClass string

// Status classes of the backend's API answers.
const (
	// ClientErrors are 4xx answers: a rejected client key (401), a broken
	// request (400), OpenAI's rate limit passed on (429), an unknown path.
	ClientErrors StatusClass = "4.."
	// ServerErrors are 5xx answers: OpenAI failed or the backend did.
	ServerErrors StatusClass = "5.."
)

// Name names a status class: 4xx, 5xx.
func (c StatusClass) Name() string { return string(c[0]) + "xx" }

// apiRequests selects the requests the backend's API served: the count of
// its server duration histogram.
func apiRequests() Selector { return Series(m.Count(m.HTTPServerRequestDurationSeconds)) }

// APIRequestRate is the requests per second the backend's API served, of
// every route and status code.
func APIRequestRate(w Window, by ...string) string {
	return aggregate("sum", by, rate(apiRequests(), w))
}

// APIResponseRate is the answers per second of one status class.
func APIResponseRate(c StatusClass, w Window, by ...string) string {
	sel := apiRequests().Matches(m.LabelHTTPResponseStatusCode, string(c))
	return aggregate("sum", by, rate(sel, w))
}

// APILatencyQuantile is the q-quantile of the API's request duration in
// seconds, from its histogram buckets.
func APILatencyQuantile(q float64, w Window, by ...string) string {
	return quantile(q, Series(m.Bucket(m.HTTPServerRequestDurationSeconds)), w, by)
}
