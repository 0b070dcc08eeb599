// Package otlptest is an in-process OTLP/HTTP receiver for tests: it decodes
// the protobuf that the exporters post to /v1/traces and /v1/logs (and
// accepts /v1/metrics), and keeps both the decoded requests and the raw
// bodies, so that a test can assert what was exported and search every byte
// for what must never be.
package otlptest

import (
	"bytes"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	collogpb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logpb "go.opentelemetry.io/proto/otlp/logs/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// Receiver is an OTLP/HTTP endpoint on a loopback port.
type Receiver struct {
	// URL is the base endpoint, as OTEL_EXPORTER_OTLP_ENDPOINT takes it.
	URL string

	mu     sync.Mutex
	spans  []*tracepb.Span
	logs   []*logpb.LogRecord
	raw    [][]byte
	errs   []error
	counts map[string]int
}

// New starts a Receiver that stops when the test ends.
func New(t testing.TB) *Receiver {
	t.Helper()
	r := &Receiver{counts: map[string]int{}}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	var resp proto.Message
	if err == nil {
		switch req.URL.Path {
		case "/v1/traces":
			var export coltracepb.ExportTraceServiceRequest
			if err = proto.Unmarshal(body, &export); err == nil {
				r.mu.Lock()
				for _, rs := range export.GetResourceSpans() {
					for _, ss := range rs.GetScopeSpans() {
						r.spans = append(r.spans, ss.GetSpans()...)
					}
				}
				r.mu.Unlock()
			}
			resp = &coltracepb.ExportTraceServiceResponse{}
		case "/v1/logs":
			var export collogpb.ExportLogsServiceRequest
			if err = proto.Unmarshal(body, &export); err == nil {
				r.mu.Lock()
				for _, rl := range export.GetResourceLogs() {
					for _, sl := range rl.GetScopeLogs() {
						r.logs = append(r.logs, sl.GetLogRecords()...)
					}
				}
				r.mu.Unlock()
			}
			resp = &collogpb.ExportLogsServiceResponse{}
		case "/v1/metrics":
			var export colmetricpb.ExportMetricsServiceRequest
			err = proto.Unmarshal(body, &export)
			resp = &colmetricpb.ExportMetricsServiceResponse{}
		default:
			http.NotFound(w, req)
			return
		}
	}
	r.mu.Lock()
	r.raw = append(r.raw, body)
	r.counts[req.URL.Path]++
	if err != nil {
		r.errs = append(r.errs, err)
	}
	r.mu.Unlock()
	if err != nil {
		http.Error(w, "undecodable OTLP request", http.StatusBadRequest)
		return
	}
	out, _ := proto.Marshal(resp)
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// Spans returns the spans received so far.
func (r *Receiver) Spans() []*tracepb.Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*tracepb.Span(nil), r.spans...)
}

// Logs returns the log records received so far.
func (r *Receiver) Logs() []*logpb.LogRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*logpb.LogRecord(nil), r.logs...)
}

// Errors returns the decoding errors met so far.
func (r *Receiver) Errors() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.errs...)
}

// Requests is how many requests came to path (e.g. /v1/traces).
func (r *Receiver) Requests(path string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[path]
}

// RawContains tells whether any received body holds s, byte for byte.
func (r *Receiver) RawContains(s string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.raw {
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}

// SpanNamed returns the spans called name.
func SpanNamed(spans []*tracepb.Span, name string) []*tracepb.Span {
	var out []*tracepb.Span
	for _, s := range spans {
		if s.GetName() == name {
			out = append(out, s)
		}
	}
	return out
}

// Attr returns the attribute key of attrs, and whether it is there.
func Attr(attrs []*commonpb.KeyValue, key string) (*commonpb.AnyValue, bool) {
	for _, kv := range attrs {
		if kv.GetKey() == key {
			return kv.GetValue(), true
		}
	}
	return nil, false
}

// Str returns a string attribute, "" when absent.
func Str(attrs []*commonpb.KeyValue, key string) string {
	v, _ := Attr(attrs, key)
	return v.GetStringValue()
}

// Int returns an int attribute, -1 when absent.
func Int(attrs []*commonpb.KeyValue, key string) int64 {
	v, ok := Attr(attrs, key)
	if !ok {
		return -1
	}
	return v.GetIntValue()
}

// Hex renders a trace or span id as in a traceparent header.
func Hex(id []byte) string { return hex.EncodeToString(id) }
