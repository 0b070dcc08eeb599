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
	name := regexp.MustCompile(`^openai_[a-z_]+[a-z]$`)
	for _, in := range m.Instruments() {
		if seen[in.Name] {
			t.Errorf("%s declared twice", in.Name)
		}
		seen[in.Name] = true
		if !name.MatchString(in.Name) {
			t.Errorf("%s is not a snake_case openai_ name", in.Name)
		}
		if in.Description == "" || len(in.Labels) == 0 {
			t.Errorf("%s lacks a description or labels", in.Name)
		}
		if !slices.Contains(in.Labels, m.LabelModel) {
			t.Errorf("%s lacks the model label", in.Name)
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
	if len(seen) != 9 {
		t.Errorf("%d instruments, want the 9 of the contract", len(seen))
	}
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
	if len(m.AllSeries()) != 11 {
		t.Errorf("%d series, want 11", len(m.AllSeries()))
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
