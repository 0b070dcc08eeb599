package app

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	"google.golang.org/protobuf/proto"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// otlpReceiver is an OTLP/HTTP metrics endpoint that decodes what it is sent
// to /v1/metrics and keeps the requests; it accepts and drops the rest.
type otlpReceiver struct {
	url string

	mu       sync.Mutex
	requests []*colmetricpb.ExportMetricsServiceRequest
	errs     []error
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	t.Helper()
	r := &otlpReceiver{}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	r.url = srv.URL
	return r
}

func (r *otlpReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path != "/v1/metrics" {
		// Spans and log records are otlptest.Receiver's business.
		_, _ = io.Copy(io.Discard, req.Body)
		w.WriteHeader(http.StatusOK)
		return
	}
	body, err := io.ReadAll(req.Body)
	var export colmetricpb.ExportMetricsServiceRequest
	if err == nil {
		err = proto.Unmarshal(body, &export)
	}
	r.mu.Lock()
	if err != nil {
		r.errs = append(r.errs, err)
	} else {
		r.requests = append(r.requests, &export)
	}
	r.mu.Unlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	out, _ := proto.Marshal(&colmetricpb.ExportMetricsServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// exports is how many exports were received, and the decoding errors.
func (r *otlpReceiver) exports() (int, []error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.requests), append([]error(nil), r.errs...)
}

// successes is the requests counter with status="success" as the last export
// holding it says: the counter is cumulative, so the last value is the total.
func (r *otlpReceiver) successes() (total int64, found bool) {
	return r.requestsWith(m.StatusSuccess, "")
}

// requestsWith is the requests counter's total over the series with status
// and errorType ("" for none) as the last export holding it says.
func (r *otlpReceiver) requestsWith(status, errorType string) (total int64, found bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, req := range r.requests {
		for _, rm := range req.GetResourceMetrics() {
			for _, sm := range rm.GetScopeMetrics() {
				for _, metric := range sm.GetMetrics() {
					if metric.GetName() != m.RequestsTotal {
						continue
					}
					found, total = true, 0
					for _, dp := range metric.GetSum().GetDataPoints() {
						if attribute(dp, m.LabelStatus) == status && attribute(dp, m.LabelErrorType) == errorType {
							total += dp.GetAsInt()
						}
					}
				}
			}
		}
	}
	return total, found
}

func attribute(dp *metricpb.NumberDataPoint, key string) string {
	for _, kv := range dp.GetAttributes() {
		if kv.GetKey() == key {
			return kv.GetValue().GetStringValue()
		}
	}
	return ""
}
