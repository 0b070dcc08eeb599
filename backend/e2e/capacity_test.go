package e2e

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	logpb "go.opentelemetry.io/proto/otlp/logs/v1"
	"google.golang.org/protobuf/proto"

	"github.com/scanium/openai-monitoring/backend/internal/capacity"
	"github.com/scanium/openai-monitoring/backend/internal/otlptest"
	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// TestCapacityModelIsWhatPrometheusHolds sends plain and streamed traffic
// with every error type through the backend binary, then counts, series
// name by series name, what Prometheus 3 holds for the backend, and checks
// it against the capacity model given the outcomes the traffic produced:
// the model's buckets, label combinations and target_info are the store's.
func TestCapacityModelIsWhatPrometheusHolds(t *testing.T) {
	s := startStack(t)
	sendTraffic(t, s)
	for range 2 {
		if resp, events := s.stream(t, streamedQuestion); resp.StatusCode != http.StatusOK || len(events) < 2 {
			t.Fatalf("streamed chat: %d, %d events", resp.StatusCode, len(events))
		}
	}
	s.shutdown(t)

	// The outcomes the traffic produced, as the requests counter tells them.
	samples, err := s.prom.Query(context.Background(), fmt.Sprintf(`%s{job="scanium-backend"} > 0`, m.RequestsTotal))
	if err != nil {
		t.Fatal(err)
	}
	var seen []capacity.Outcome
	for _, smp := range samples {
		seen = append(seen, capacity.Outcome{
			Stream: smp.Metric[m.LabelStream] == m.StreamTrue, Status: smp.Metric[m.LabelStatus], ErrorType: smp.Metric[m.LabelErrorType],
		})
	}
	if len(seen) < 4 {
		t.Fatalf("the traffic produced %d outcomes: %+v", len(seen), samples)
	}
	model, err := capacity.ProviderInstruments(seen)
	if err != nil {
		t.Fatal(err)
	}
	// The HTTP server histogram's combinations are whatever routes and
	// codes the traffic hit: the model's part is the series per combination.
	httpPoints := s.countSeries(t, m.Count(m.HTTPServerRequestDurationSeconds))
	model = append(model, capacity.Instrument{
		Name: m.HTTPServerRequestDurationSeconds, Kind: m.Histogram, Points: httpPoints, Buckets: len(m.HTTPServerDurationBuckets()),
	}, capacity.Instrument{Name: capacity.TargetInfo, Kind: m.Gauge, Points: 1})

	total := 0
	for _, in := range model {
		names := map[string]int{in.Name: in.Points}
		if in.Kind == m.Histogram {
			names = map[string]int{m.Bucket(in.Name): in.Points * (in.Buckets + 1), m.Sum(in.Name): in.Points, m.Count(in.Name): in.Points}
		}
		for name, want := range names {
			if got := s.countSeries(t, name); got != want {
				t.Errorf("%s: Prometheus holds %d series, the model says %d", name, got, want)
			}
		}
		total += in.Series()
	}
	if got := s.countSeries(t, `{__name__=~".+"}`); got != total {
		t.Errorf("the backend has %d series in Prometheus, the model %d", got, total)
	}
	t.Logf("%d series for %d outcomes and %d HTTP combinations", total, len(seen), httpPoints)
}

// countSeries counts the backend's series of a selector.
func (s *stack) countSeries(t *testing.T, selector string) int {
	t.Helper()
	expr := fmt.Sprintf(`count(%s)`, withBackend(selector))
	v, ok := queryOne(t, s.prom, expr)
	if !ok {
		return 0
	}
	return int(v)
}

// withBackend restricts a metric name or a {...} selector to the backend's
// job and instance.
func withBackend(selector string) string {
	matchers := fmt.Sprintf(`job="scanium-backend", instance=%q`, hostName)
	if selector[0] == '{' {
		return "{" + matchers + ", " + selector[1:]
	}
	return selector + "{" + matchers + "}"
}

// TestRequestSignalsFitTheCapacityModel counts, on real requests through the
// backend binary, the spans and log records each request sends over OTLP
// and their encoded size, against the capacity model's per-request figures:
// the counts exactly, the sizes within the model's bounds (and not so far
// under them that the bounds say nothing).
func TestRequestSignalsFitTheCapacityModel(t *testing.T) {
	recv := otlptest.New(t)
	// Every signal to the in-process receiver, none to Prometheus.
	s := startStack(t, withBackendEnv("OTEL_EXPORTER_OTLP_ENDPOINT", recv.URL),
		withBackendDefault("OTEL_TRACES_EXPORTER"), withBackendDefault("OTEL_LOGS_EXPORTER"))
	// Probes are traced too; count only what the chat requests send.
	baseSpans, baseLogs := len(recv.Spans()), len(requestLogs(recv))
	const requests = 20
	for range requests {
		resp := s.post(t, question)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("chat: %d", resp.StatusCode)
		}
	}
	s.shutdown(t) // flushes the span and log batches
	if errs := recv.Errors(); len(errs) > 0 {
		t.Fatal(errs)
	}

	spans := recv.Spans()[baseSpans:]
	logs := requestLogs(recv)[baseLogs:]
	want := capacity.Request
	if len(spans) != requests*want.Spans {
		t.Errorf("%d spans for %d requests, the model says %d each", len(spans), requests, want.Spans)
	}
	if len(logs) != requests*want.LogRecords {
		t.Errorf("%d request log records for %d requests, the model says %d each", len(logs), requests, want.LogRecords)
	}
	maxSpan, sumSpan := 0, 0
	for _, sp := range spans {
		n := proto.Size(sp)
		maxSpan, sumSpan = max(maxSpan, n), sumSpan+n
	}
	maxLog, sumLog := 0, 0
	for _, r := range logs {
		n := proto.Size(r)
		maxLog, sumLog = max(maxLog, n), sumLog+n
	}
	if len(spans) == 0 || len(logs) == 0 {
		t.Fatal("no spans or no request log records arrived")
	}
	t.Logf("span: mean %d, max %d bytes (model %d); log record: mean %d, max %d bytes (model %d)",
		sumSpan/len(spans), maxSpan, want.SpanBytes, sumLog/len(logs), maxLog, want.LogRecordBytes)
	if maxSpan > want.SpanBytes || sumSpan/len(spans) < want.SpanBytes/3 {
		t.Errorf("spans of %d bytes at most, %d on average: the model's bound %d is wrong", maxSpan, sumSpan/len(spans), want.SpanBytes)
	}
	if maxLog > want.LogRecordBytes || sumLog/len(logs) < want.LogRecordBytes/3 {
		t.Errorf("log records of %d bytes at most, %d on average: the model's bound %d is wrong", maxLog, sumLog/len(logs), want.LogRecordBytes)
	}
}

// requestLogs are the log records of chat requests: those that carry a
// trace id and whose path, when they have one, is the chat route (the
// probes' access lines are not the model's).
func requestLogs(recv *otlptest.Receiver) []*logpb.LogRecord {
	var out []*logpb.LogRecord
	for _, r := range recv.Logs() {
		if len(r.GetTraceId()) == 0 {
			continue
		}
		if p := otlptest.Str(r.GetAttributes(), m.LogFieldPath); p != "" && p != m.HTTPRouteChat {
			continue
		}
		out = append(out, r)
	}
	return out
}
