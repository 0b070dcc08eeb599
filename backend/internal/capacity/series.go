// Package capacity is the bundle's capacity model: how many series the
// metric contract puts in Mimir for a deployment, the samples per second
// and the disk they take, and what each request adds to Loki and Tempo;
// and, from the stores' configured limits, where a deployment reaches
// them. docs/capacity.md is rendered from it (Render) and checked for
// drift by the package's tests.
//
// The series counts are not typed in: the backend's own Recorder records
// one call of every outcome the contract allows into an SDK reader, and
// the model counts what it would export, so a new label value or bucket
// changes the numbers. The live test (backend/e2e) checks them against
// what Prometheus holds after real traffic.
package capacity

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/scanium/openai-monitoring/backend/internal/openaiprovider"
	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// Instrument is the series one instrument of the contract adds to the store.
type Instrument struct {
	Name string
	Kind m.Kind
	// Points is the number of label combinations (data points) one backend
	// exports for one model; for a histogram each point is Buckets+1 _bucket
	// series (le, +Inf included), a _sum and a _count.
	Points int
	// Buckets is the number of explicit bounds of a histogram.
	Buckets int
}

// Series is the Prometheus series of the instrument's points: a histogram
// point is its buckets, +Inf, _sum and _count.
func (in Instrument) Series() int { return in.Points * SeriesPerPoint(in.Kind, in.Buckets) }

// SeriesPerPoint is the number of Prometheus series one data point of an
// instrument of kind k with the given bucket bounds becomes.
func SeriesPerPoint(k m.Kind, buckets int) int {
	if k == m.Histogram {
		return buckets + 1 + 2
	}
	return 1
}

// Outcome is one kind of call the provider records: streamed or not, and
// its status and error type.
type Outcome struct {
	Stream    bool
	Status    string // one of m.Statuses()
	ErrorType string // one of m.ErrorTypes() when Status is m.StatusError
}

// Outcomes lists every outcome the contract allows: each status for both
// values of stream, each error type for the error status, and cancelled
// for streamed calls only (a call that is not streamed cannot be left
// mid-answer).
func Outcomes() []Outcome {
	var out []Outcome
	for _, stream := range m.Streams() {
		streamed := stream == m.StreamTrue
		for _, status := range m.Statuses() {
			switch status {
			case m.StatusError:
				for _, et := range m.ErrorTypes() {
					out = append(out, Outcome{Stream: streamed, Status: status, ErrorType: et})
				}
			case m.StatusCancelled:
				if streamed {
					out = append(out, Outcome{Stream: streamed, Status: status})
				}
			default:
				out = append(out, Outcome{Stream: streamed, Status: status})
			}
		}
	}
	return out
}

// attempt is a call of the outcome, with usage and every rate-limit
// header, as the provider gives it to its Recorder. An outcome of status
// error whose ErrorType is no kind's label is an error.
func (o Outcome) attempt(headers openaiprovider.RateLimits) (openaiprovider.Attempt, error) {
	var kind openaiprovider.ErrorKind
	failed := o.Status == m.StatusError
	if failed {
		var ok bool
		if kind, ok = openaiprovider.KindOfLabel(o.ErrorType); !ok {
			return openaiprovider.Attempt{}, fmt.Errorf("outcome %+v: error type %q is none of the contract's %v", o, o.ErrorType, m.ErrorTypes())
		}
	}
	a := openaiprovider.Attempt{
		Duration:   time.Second,
		Stream:     o.Stream,
		Failed:     failed,
		Kind:       kind,
		Cancelled:  o.Status == m.StatusCancelled,
		Usage:      openaiprovider.Usage{InputTokens: 1500, OutputTokens: 300, TotalTokens: 1800, CachedInputTokens: 1024, ReasoningTokens: 100},
		RateLimits: headers,
	}
	if o.Stream {
		a.FirstToken, a.TimeToFirstToken = true, 200*time.Millisecond
	}
	return a, nil
}

// rateLimitHeaders is a response's full set of x-ratelimit-* headers.
func rateLimitHeaders() openaiprovider.RateLimits {
	return openaiprovider.ParseRateLimits(http.Header{
		"X-Ratelimit-Limit-Requests":     {"5000"},
		"X-Ratelimit-Limit-Tokens":       {"4000000"},
		"X-Ratelimit-Remaining-Requests": {"4999"},
		"X-Ratelimit-Remaining-Tokens":   {"3999000"},
		"X-Ratelimit-Reset-Requests":     {"12ms"},
		"X-Ratelimit-Reset-Tokens":       {"15ms"},
	})
}

// ProviderInstruments records one call of each of outcomes through the
// provider's Recorder for one model, and returns what one backend exports
// for it, instrument by instrument, in the contract's order. With
// Outcomes() that is the steady state of a backend whose calls have seen
// every outcome.
func ProviderInstruments(outcomes []Outcome) ([]Instrument, error) {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer func() { _ = mp.Shutdown(ctx) }()
	rec, err := openaiprovider.NewRecorder(mp, "capacity-model")
	if err != nil {
		return nil, err
	}
	headers := rateLimitHeaders()
	for _, o := range outcomes {
		a, err := o.attempt(headers)
		if err != nil {
			return nil, err
		}
		rec.Record(ctx, a)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		return nil, fmt.Errorf("collect: %w", err)
	}
	points := map[string]int{}
	buckets := map[string]int{}
	for _, sm := range rm.ScopeMetrics {
		for _, md := range sm.Metrics {
			switch d := md.Data.(type) {
			case metricdata.Sum[int64]:
				points[md.Name] += len(d.DataPoints)
			case metricdata.Sum[float64]:
				points[md.Name] += len(d.DataPoints)
			case metricdata.Gauge[int64]:
				points[md.Name] += len(d.DataPoints)
			case metricdata.Gauge[float64]:
				points[md.Name] += len(d.DataPoints)
			case metricdata.Histogram[float64]:
				points[md.Name] += len(d.DataPoints)
				for _, dp := range d.DataPoints {
					buckets[md.Name] = len(dp.Bounds)
				}
			default:
				return nil, fmt.Errorf("%s: aggregation %T is not in the model", md.Name, md.Data)
			}
		}
	}
	var out []Instrument
	for _, in := range m.Instruments() {
		if in.Recorder != m.RecorderProvider {
			continue
		}
		out = append(out, Instrument{Name: in.Name, Kind: in.Kind, Points: points[in.Name], Buckets: buckets[in.Name]})
		delete(points, in.Name)
	}
	if len(points) > 0 {
		return nil, fmt.Errorf("the Recorder exports instruments the contract does not declare: %v", keys(points))
	}
	return out, nil
}

// HTTPServerInstrument is what the backend's HTTP API exports about
// itself: one point per route, method and status code answered, and
// codesPerRoute is the number of status codes each route answers.
func HTTPServerInstrument(codesPerRoute map[string]int) Instrument {
	points := 0
	for _, route := range m.HTTPRoutes() {
		points += codesPerRoute[route]
	}
	return Instrument{
		Name: m.HTTPServerRequestDurationSeconds, Kind: m.Histogram,
		Points: points, Buckets: len(m.HTTPServerDurationBuckets()),
	}
}

// BillingInstruments is what the billing exporter exports for models
// models: each instrument's labels multiply its points by the values they
// take (model by models, token_type by the billed token types).
func BillingInstruments(models int) []Instrument {
	var out []Instrument
	for _, in := range m.Instruments() {
		if in.Recorder != m.RecorderBilling {
			continue
		}
		points := 1
		for _, label := range in.Labels {
			switch label {
			case m.LabelModel:
				points *= models
			case m.LabelTokenType:
				points *= len(m.BilledTokenTypes())
			}
		}
		out = append(out, Instrument{Name: in.Name, Kind: in.Kind, Points: points})
	}
	return out
}

func keys(mp map[string]int) []string {
	out := make([]string, 0, len(mp))
	for k := range mp {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
