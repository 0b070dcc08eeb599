package openaimetrics_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	m "github.com/scanium/openai-monitoring/backend/openaimetrics"
)

func TestInstrumentsFollowPrometheusConventions(t *testing.T) {
	seen := map[string]bool{}
	name := regexp.MustCompile(`^(openai|http_server)_[a-z_]+[a-z]$`)
	label := regexp.MustCompile(`^[a-z][a-z_]*[a-z]$`)
	for _, in := range m.Instruments() {
		if seen[in.Name] {
			t.Errorf("%s declared twice", in.Name)
		}
		seen[in.Name] = true
		if !name.MatchString(in.Name) {
			t.Errorf("%s is not a snake_case openai_ or http_server_ name", in.Name)
		}
		// Only the bill's day-wide totals have no label.
		dayWide := in.Name == m.BilledCostUSD || in.Name == m.BilledDayStartTimestampSeconds
		if in.Description == "" || (len(in.Labels) == 0) != dayWide {
			t.Errorf("%s lacks a description or labels", in.Name)
		}
		// The OpenAI instruments are per model (but for the bill's day-wide
		// totals); the HTTP server's is not.
		if (strings.HasPrefix(in.Name, "openai_") && !dayWide) != slices.Contains(in.Labels, m.LabelModel) {
			t.Errorf("%s: labels %v, want the model label exactly on the openai_ instruments", in.Name, in.Labels)
		}
		for _, l := range in.Labels {
			// Stores keep an attribute key with '_' for '.': a label key
			// is its attribute key so translated, and nothing else.
			if !label.MatchString(l) || strings.ReplaceAll(m.AttributeKey(l), ".", "_") != l {
				t.Errorf("%s: label %q is recorded as attribute %q, which is stored under another name", in.Name, l, m.AttributeKey(l))
			}
		}
		switch in.Kind {
		case m.Counter:
			// Exporters append _total to counters lacking it: declare it.
			if !strings.HasSuffix(in.Name, "_total") {
				t.Errorf("counter %s does not end in _total", in.Name)
			}
		case m.Histogram, m.Gauge:
			if strings.HasSuffix(in.Name, "_total") {
				t.Errorf("%s %s ends in _total", in.Kind, in.Name)
			}
		default:
			t.Errorf("%s has kind %v", in.Name, in.Kind)
		}
		// A unit with a Prometheus suffix must already be in the name, or
		// the OTLP translation would append it and rename the series.
		if in.Unit == "s" && !strings.HasSuffix(in.Name, "_seconds") {
			t.Errorf("%s has unit s but no _seconds suffix", in.Name)
		}
		if in.Unit != "s" && !(strings.HasPrefix(in.Unit, "{") && strings.HasSuffix(in.Unit, "}")) {
			t.Errorf("%s has unit %q: use s or an annotation like {token}, which adds no suffix", in.Name, in.Unit)
		}
	}
	if len(seen) != 15 {
		t.Errorf("%d instruments, want the 15 of the contract", len(seen))
	}
}

func TestHTTPServerInstrumentFollowsTheSemanticConventions(t *testing.T) {
	// http.server.request.duration, in seconds, with the conventions'
	// attribute keys.
	in, ok := instrument(m.HTTPServerRequestDurationSeconds)
	if !ok || in.Kind != m.Histogram || in.Unit != "s" {
		t.Fatalf("%s: %+v (found %v), want a histogram in s", m.HTTPServerRequestDurationSeconds, in, ok)
	}
	if in.Name != strings.ReplaceAll("http.server.request.duration", ".", "_")+"_seconds" {
		t.Errorf("%s is not the Prometheus name of http.server.request.duration", in.Name)
	}
	var keys []string
	for _, l := range in.Labels {
		keys = append(keys, m.AttributeKey(l))
	}
	if want := []string{"http.request.method", "http.route", "http.response.status_code"}; !slices.Equal(keys, want) {
		t.Errorf("attribute keys %v, want %v", keys, want)
	}
	if m.AttributeKey(m.LabelModel) != m.LabelModel {
		t.Error("the OpenAI labels are their own attribute keys")
	}

	// Label values are bounded: the routes and the known methods, each
	// with one value for everything else; the status code is numeric.
	routes, ok := m.LabelValues(m.LabelHTTPRoute)
	if !ok || !slices.Equal(routes, []string{m.HTTPRouteChat, m.HTTPRouteHealth, m.HTTPRouteReady, m.HTTPRouteUnmatched}) {
		t.Errorf("routes %v (closed %v)", routes, ok)
	}
	methods, ok := m.LabelValues(m.LabelHTTPRequestMethod)
	if !ok || len(methods) != 10 || !slices.Contains(methods, m.HTTPMethodOther) || !slices.Contains(methods, "POST") {
		t.Errorf("methods %v (closed %v): want the 9 known methods and %s", methods, ok, m.HTTPMethodOther)
	}
	if _, ok := m.LabelValues(m.LabelHTTPResponseStatusCode); ok {
		t.Error("status codes are numeric, matched by regular expressions like 5..: not a closed set")
	}

	b := m.HTTPServerDurationBuckets()
	if !sort.Float64sAreSorted(b) || b[0] > 0.001 || b[len(b)-1] < 30 || !slices.Contains(b, 0.05) {
		t.Errorf("buckets %v: want sorted, from 1 ms (health checks) to at least 30 s (chat)", b)
	}
	b[0] = 99
	if m.HTTPServerDurationBuckets()[0] == 99 {
		t.Error("HTTPServerDurationBuckets returns shared state")
	}
}

func instrument(name string) (m.Instrument, bool) {
	for _, in := range m.Instruments() {
		if in.Name == name {
			return in, true
		}
	}
	return m.Instrument{}, false
}

func TestDurationBuckets(t *testing.T) {
	b := m.DurationBuckets()
	if !sort.Float64sAreSorted(b) || b[0] > 0.05 || b[len(b)-1] < 120 || !slices.Contains(b, 5) {
		t.Errorf("buckets %v: want sorted, from 0.05 s to 120 s, with the 5 s alert threshold", b)
	}
	b[0] = 99
	if m.DurationBuckets()[0] == 99 {
		t.Error("DurationBuckets returns shared state")
	}
	f := m.FirstTokenBuckets()
	if !sort.Float64sAreSorted(f) || f[0] > 0.01 || f[len(f)-1] < 30 || !slices.Contains(f, 2) {
		t.Errorf("first-token buckets %v: want sorted, from 10 ms to 30 s, with 2 s", f)
	}
}

func TestSeries(t *testing.T) {
	bucket, ok := m.LookupSeries(m.Bucket(m.RequestDurationSeconds))
	if !ok || !slices.Contains(bucket.Labels, m.LabelBucket) || bucket.Instrument.Name != m.RequestDurationSeconds {
		t.Errorf("bucket series: %+v %v", bucket, ok)
	}
	for _, name := range []string{m.Sum(m.RequestDurationSeconds), m.Count(m.RequestDurationSeconds), m.RequestsTotal} {
		s, ok := m.LookupSeries(name)
		if !ok || slices.Contains(s.Labels, m.LabelBucket) || !slices.Contains(s.Labels, m.LabelJob) {
			t.Errorf("%s: %+v %v", name, s, ok)
		}
	}
	if _, ok := m.LookupSeries(m.RequestDurationSeconds); ok {
		t.Error("a histogram's bare name is not a Prometheus series")
	}
	bucket, ok = m.LookupSeries(m.Bucket(m.HTTPServerRequestDurationSeconds))
	if !ok || !slices.Contains(bucket.Labels, m.LabelHTTPRoute) || !slices.Contains(bucket.Labels, m.LabelBucket) {
		t.Errorf("HTTP server bucket series: %+v %v", bucket, ok)
	}
	if len(m.AllSeries()) != 21 {
		t.Errorf("%d series, want 21", len(m.AllSeries()))
	}
	if vals, ok := m.LabelValues(m.LabelErrorType); !ok || len(vals) != 4 {
		t.Errorf("error types %v", vals)
	}
	if _, ok := m.LabelValues(m.LabelModel); ok {
		t.Error("model values are open (configuration), not a closed set")
	}
}

// TestNoOtherFileSpellsAMetricName keeps the contract the one place metric
// names are written: every other Go file, tests included, uses its constants.
func TestNoOtherFileSpellsAMetricName(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	self, _ := filepath.Abs("contract.go")
	var names []string
	for _, in := range m.Instruments() {
		names = append(names, in.Name)
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || path == self {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, n := range names {
			if strings.Contains(string(src), n) {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s spells %q: use the openaimetrics constant", rel, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTokenParts(t *testing.T) {
	for _, tt := range m.TokenTypes() {
		whole, ok := m.TokenPartOf(tt)
		switch tt {
		case m.TokenCachedInput, m.TokenReasoning:
			if !ok || !slices.Contains(m.TokenTypes(), whole) {
				t.Errorf("%s: part of %q, %v; want a token type", tt, whole, ok)
			}
			if _, nested := m.TokenPartOf(whole); nested {
				t.Errorf("%s is a part of %s, itself a part", tt, whole)
			}
		default:
			if ok {
				t.Errorf("%s is a part of %s; want a whole", tt, whole)
			}
		}
	}
	for _, tt := range m.BilledTokenTypes() {
		if !slices.Contains(m.TokenTypes(), tt) {
			t.Errorf("billed token type %s is not a token type", tt)
		}
	}
}
