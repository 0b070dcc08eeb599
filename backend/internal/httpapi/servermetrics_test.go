package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/scanium/openai-monitoring/backend/config"
	"github.com/scanium/openai-monitoring/backend/internal/assistant"
	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

// serverPoint is one exported data point of the API's duration histogram:
// its labels as Prometheus stores them, and its count.
type serverPoint struct {
	method, route, status string
	count                 uint64
}

// collectServerPoints reads what the SDK exported for the API's histogram,
// checking its unit, description and buckets against the contract.
func collectServerPoints(t *testing.T, reader *sdkmetric.ManualReader) []serverPoint {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var spec m.Instrument
	for _, in := range m.Instruments() {
		if in.Name == m.HTTPServerRequestDurationSeconds {
			spec = in
		}
	}
	var out []serverPoint
	for _, sm := range rm.ScopeMetrics {
		for _, metric := range sm.Metrics {
			if metric.Name != m.HTTPServerRequestDurationSeconds {
				t.Errorf("unexpected metric %s", metric.Name)
				continue
			}
			if metric.Unit != spec.Unit || metric.Description != spec.Description {
				t.Errorf("unit %q description %q, want the contract's %q %q", metric.Unit, metric.Description, spec.Unit, spec.Description)
			}
			h, ok := metric.Data.(metricdata.Histogram[float64])
			if !ok || h.Temporality != metricdata.CumulativeTemporality {
				t.Fatalf("%s is %T, want a cumulative float64 histogram", metric.Name, metric.Data)
			}
			for _, dp := range h.DataPoints {
				if !slices.Equal(dp.Bounds, m.HTTPServerDurationBuckets()) {
					t.Errorf("bounds %v, want the contract's", dp.Bounds)
				}
				out = append(out, serverPoint{
					method: labelOf(t, dp.Attributes, m.LabelHTTPRequestMethod),
					route:  labelOf(t, dp.Attributes, m.LabelHTTPRoute),
					status: labelOf(t, dp.Attributes, m.LabelHTTPResponseStatusCode),
					count:  dp.Count,
				})
			}
		}
	}
	return out
}

// labelOf returns the value of a label's attribute, failing on a set with
// attributes the contract does not declare.
func labelOf(t *testing.T, set attribute.Set, label string) string {
	t.Helper()
	if set.Len() != 3 {
		t.Errorf("attributes %v, want exactly method, route and status code", set.ToSlice())
	}
	v, ok := set.Value(attribute.Key(m.AttributeKey(label)))
	if !ok {
		t.Errorf("attributes %v lack %s", set.ToSlice(), m.AttributeKey(label))
	}
	return v.Emit()
}

func newMeteredAPI(t *testing.T) (*testAPI, *sdkmetric.ManualReader) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	model := &fakeModel{}
	h := New(Deps{
		Logger:    slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Assistant: assistant.New(model),
		APIKeys:   []config.Secret{clientKey},
		Limits:    config.Limits{MaxBodyBytes: 2048, MaxMessageChars: 100, MaxItems: 3, MaxItemFieldLen: 20},

		MeterProvider: mp,
	})
	return &testAPI{handler: h, model: model}, reader
}

func TestServerMetricsByRouteMethodAndStatus(t *testing.T) {
	api, reader := newMeteredAPI(t)
	const unknownPath = "/api/assistant/chat-secret-7f3a"
	wrongKey := chatCall(validBody)
	wrongKey.auth = "Bearer not-the-client-key"
	for _, c := range []struct {
		call       call
		wantStatus int
	}{
		{chatCall(validBody), http.StatusOK},
		{chatCall(validBody), http.StatusOK},
		{wrongKey, http.StatusUnauthorized},
		{chatCall(`{"message": `), http.StatusBadRequest},
		{call{method: http.MethodGet, path: unknownPath + "?q=user-input"}, http.StatusNotFound},
		{call{method: "BREW", path: ChatPath}, http.StatusMethodNotAllowed},
		{call{method: http.MethodDelete, path: ChatPath}, http.StatusMethodNotAllowed},
		{call{method: http.MethodGet, path: HealthPath}, http.StatusOK},
		{call{method: http.MethodHead, path: ReadyPath}, http.StatusOK},
	} {
		if w, _ := api.do(t, c.call); w.Code != c.wantStatus {
			t.Fatalf("%s %s answered %d, want %d", c.call.method, c.call.path, w.Code, c.wantStatus)
		}
	}

	got := collectServerPoints(t, reader)
	want := []serverPoint{
		{"POST", m.HTTPRouteChat, "200", 2},
		{"POST", m.HTTPRouteChat, "401", 1},
		{"POST", m.HTTPRouteChat, "400", 1},
		// The path no route matched is not a label value.
		{"GET", m.HTTPRouteUnmatched, "404", 1},
		// An unknown method is _OTHER; a known one stays itself.
		{m.HTTPMethodOther, m.HTTPRouteChat, "405", 1},
		{"DELETE", m.HTTPRouteChat, "405", 1},
		{"GET", m.HTTPRouteHealth, "200", 1},
		{"HEAD", m.HTTPRouteReady, "200", 1},
	}
	order := func(a, b serverPoint) int {
		return strings.Compare(a.method+a.route+a.status, b.method+b.route+b.status)
	}
	slices.SortFunc(got, order)
	slices.SortFunc(want, order)
	if !slices.Equal(got, want) {
		t.Errorf("series\n got %v\nwant %v", got, want)
	}

	// Every label value is one of the contract's closed sets, or a status
	// code: none comes from the request.
	routes, _ := m.LabelValues(m.LabelHTTPRoute)
	methods, _ := m.LabelValues(m.LabelHTTPRequestMethod)
	for _, p := range got {
		if !slices.Contains(routes, p.route) || !slices.Contains(methods, p.method) {
			t.Errorf("%+v: route or method outside the contract's values", p)
		}
		if code, err := strconv.Atoi(p.status); err != nil || code < 100 || code > 999 {
			t.Errorf("%+v: status code is not numeric", p)
		}
		for _, v := range []string{p.method, p.route, p.status} {
			if strings.Contains(v, "secret") || strings.Contains(v, "user-input") || v == "BREW" {
				t.Errorf("%+v: a label value comes from the request", p)
			}
		}
	}
}

func TestServerRoutesAreTheContractsRoutes(t *testing.T) {
	// The route label's values are the paths the mux serves, plus one for
	// every other path.
	var labels []string
	for _, r := range serverRoutes {
		if r.path != r.label {
			t.Errorf("the mux serves %s, labelled %s", r.path, r.label)
		}
		labels = append(labels, r.label)
	}
	if want := m.HTTPRoutes(); !slices.Equal(append(labels, m.HTTPRouteUnmatched), want) {
		t.Errorf("routes %v, want the contract's %v", labels, want)
	}
	for path, want := range map[string]string{
		ChatPath: m.HTTPRouteChat, ChatPath + "/": m.HTTPRouteUnmatched, "/api//assistant/chat": m.HTTPRouteUnmatched,
		"/": m.HTTPRouteUnmatched, "": m.HTTPRouteUnmatched, strings.ToUpper(HealthPath): m.HTTPRouteUnmatched,
	} {
		if got := m.HTTPRoutes()[routeIndex(path)]; got != want {
			t.Errorf("path %q has route %s, want %s", path, got, want)
		}
	}
	for method, want := range map[string]string{"POST": "POST", "post": m.HTTPMethodOther, "PATCH": "PATCH", "": m.HTTPMethodOther, "QUERY ": m.HTTPMethodOther} {
		if got := serverMethods[methodIndex(method)]; got != want {
			t.Errorf("method %q is %s, want %s", method, got, want)
		}
	}
}

func TestServerMetricsNilMeterProvider(t *testing.T) {
	api := newTestAPI(t, &fakeModel{}) // Deps.MeterProvider nil: noop
	if w, _ := api.do(t, chatCall(validBody)); w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
}

// discardWriter is a ResponseWriter that keeps nothing.
type discardWriter struct{ header http.Header }

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

// TestServerMetricsAllocations: recording a request of a known route,
// method and status allocates nothing once its series exists.
func TestServerMetricsAllocations(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	status := http.StatusOK
	h := serverMetricsHandler(mp, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }))
	sw := &statusWriter{ResponseWriter: &discardWriter{header: http.Header{}}}
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{http.MethodPost, ChatPath, http.StatusOK},
		{http.MethodGet, "/unknown", http.StatusNotFound},
		{"BREW", ChatPath, http.StatusMethodNotAllowed},
	} {
		r := httptest.NewRequest(tc.method, tc.path, nil)
		status = tc.status
		serve := func() { sw.status = 0; h.ServeHTTP(sw, r) }
		serve() // first use makes the series' attribute set
		if n := testing.AllocsPerRun(1000, serve); n > 0 {
			t.Errorf("%s %s → %d: %.1f allocations per request, want 0", tc.method, tc.path, tc.status, n)
		}
	}
	if got := collectServerPoints(t, reader); len(got) != 3 {
		t.Errorf("series %v, want 3", got)
	}
}
