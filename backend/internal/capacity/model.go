package capacity

import (
	"fmt"
	"math"
	"time"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// Deployment is what the stores' load depends on.
type Deployment struct {
	// Backends is the number of backend processes: the models the bundle
	// calls times the replicas serving each (the backend calls one model,
	// OPENAI_MODEL). Each exports its own series, told apart by
	// service.instance.id (the instance label).
	Backends int
	// Models is the number of distinct models, for the billing exporter's
	// series.
	Models int
	// Billing tells whether the billing exporter runs.
	Billing bool
	// ExportInterval is the backend's OTEL_METRIC_EXPORT_INTERVAL: each
	// series gets one sample per interval.
	ExportInterval time.Duration
	// CodesPerRoute is how many HTTP status codes each API route answers
	// while its series are active.
	CodesPerRoute map[string]int
}

// Load is what a deployment puts in Mimir.
type Load struct {
	// PerBackend is every instrument one backend exports, target_info
	// included, and SeriesPerBackend their series.
	PerBackend       []Instrument
	SeriesPerBackend int
	// Billing is the billing exporter's instruments and BillingSeries their
	// series (target_info included); none without the exporter.
	Billing       []Instrument
	BillingSeries int
	// Series is the deployment's active series, and SamplesPerSecond the
	// samples they take at the export interval.
	Series           int
	SamplesPerSecond float64
}

// TargetInfo is the series OTLP ingestion makes of each process's resource.
const TargetInfo = "target_info"

// MetricsOf computes the deployment's load, with every outcome seen.
func MetricsOf(d Deployment) (Load, error) {
	if d.Backends < 1 || d.Models < 1 || d.ExportInterval <= 0 {
		return Load{}, fmt.Errorf("a deployment needs a backend, a model and an export interval: %+v", d)
	}
	provider, err := ProviderInstruments(Outcomes())
	if err != nil {
		return Load{}, err
	}
	var l Load
	l.PerBackend = append(provider, HTTPServerInstrument(d.CodesPerRoute), Instrument{Name: TargetInfo, Kind: m.Gauge, Points: 1})
	for _, in := range l.PerBackend {
		l.SeriesPerBackend += in.Series()
	}
	if d.Billing {
		l.Billing = append(BillingInstruments(d.Models), Instrument{Name: TargetInfo, Kind: m.Gauge, Points: 1})
		for _, in := range l.Billing {
			l.BillingSeries += in.Series()
		}
	}
	l.Series = d.Backends*l.SeriesPerBackend + l.BillingSeries
	l.SamplesPerSecond = float64(l.Series) / d.ExportInterval.Seconds()
	return l, nil
}

// BytesPerSample is what a sample costs on disk in Prometheus's and
// Mimir's TSDB blocks, index included: Prometheus's storage documentation
// gives 1 to 2 bytes per sample; the model takes the upper end.
const BytesPerSample = 2

// PerRequest is what one chat request adds to Loki and Tempo, through the
// backend's OTLP exporters: the counts are exact for a request answered in
// one attempt (a retry adds a CLIENT span); the bytes are upper bounds of
// the records' and spans' OTLP encoding, which the live test measures.
type PerRequest struct {
	Spans, SpanBytes           int
	LogRecords, LogRecordBytes int
}

// Request is the model's chat request: its SERVER and CLIENT spans and its
// access log record.
var Request = PerRequest{Spans: 2, SpanBytes: 900, LogRecords: 1, LogRecordBytes: 450}

// SpanBytesPerRequest and LogBytesPerRequest are the bytes a request adds
// to Tempo and to Loki.
func (p PerRequest) SpanBytesPerRequest() int { return p.Spans * p.SpanBytes }
func (p PerRequest) LogBytesPerRequest() int  { return p.LogRecords * p.LogRecordBytes }

// Limits are the stores' configured limits and retentions (mimir/,
// compose/loki/, compose/tempo/).
type Limits struct {
	MimirSeries        int
	MimirSamplesPerSec float64
	MimirRetention     time.Duration
	LokiBytesPerSec    float64
	LokiRetention      time.Duration
	TempoBytesPerSec   float64
	TempoRetention     time.Duration
	TempoDefaultLimit  bool // tempo.yaml leaves Tempo's default ingestion limit
}

// Headroom says where a deployment meets the limits.
type Headroom struct {
	// MaxBackends is the backends Mimir takes before its series limit or
	// its ingestion rate refuses samples, whichever comes first, and
	// MimirBound names which.
	MaxBackends int
	MimirBound  string
	// LokiRequestsPerSec and TempoRequestsPerSec are the chat requests per
	// second at which Loki's and Tempo's ingestion limits refuse data.
	LokiRequestsPerSec, TempoRequestsPerSec float64
	// MimirDiskBytes is the retention's disk for the deployment's samples.
	MimirDiskBytes float64
	// LokiDiskBytesPerReqPerSec and TempoDiskBytesPerReqPerSec are the
	// retention's disk for each request per second, before compression.
	LokiDiskBytesPerReqPerSec, TempoDiskBytesPerReqPerSec float64
}

// HeadroomOf computes where the deployment d, with load l, meets limits.
func HeadroomOf(d Deployment, l Load, lim Limits, req PerRequest) Headroom {
	var h Headroom
	perBackendSamples := float64(l.SeriesPerBackend) / d.ExportInterval.Seconds()
	bySeries := (lim.MimirSeries - l.BillingSeries) / l.SeriesPerBackend
	byRate := int(math.Floor((lim.MimirSamplesPerSec - float64(l.BillingSeries)/d.ExportInterval.Seconds()) / perBackendSamples))
	h.MaxBackends, h.MimirBound = bySeries, "max_global_series_per_user"
	if byRate < bySeries {
		h.MaxBackends, h.MimirBound = byRate, "ingestion_rate"
	}
	h.LokiRequestsPerSec = lim.LokiBytesPerSec / float64(req.LogBytesPerRequest())
	h.TempoRequestsPerSec = lim.TempoBytesPerSec / float64(req.SpanBytesPerRequest())
	h.MimirDiskBytes = l.SamplesPerSecond * lim.MimirRetention.Seconds() * BytesPerSample
	h.LokiDiskBytesPerReqPerSec = float64(req.LogBytesPerRequest()) * lim.LokiRetention.Seconds()
	h.TempoDiskBytesPerReqPerSec = float64(req.SpanBytesPerRequest()) * lim.TempoRetention.Seconds()
	return h
}

// DefaultCodesPerRoute is how many (method, status code) pairs each route
// of the API answers (the README's error codes): the chat endpoint's 200
// and its error statuses (400, 401, 405, 413, 415, 429, 500, 502, 503),
// /healthz's 200 and 405, /readyz's 200, 503 and 405, and 404 for every
// path no route matches. Go's server answers 431 before the API, unseen.
var DefaultCodesPerRoute = map[string]int{
	m.HTTPRouteChat:      10,
	m.HTTPRouteHealth:    2,
	m.HTTPRouteReady:     3,
	m.HTTPRouteUnmatched: 1,
}
