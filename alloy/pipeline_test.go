package alloy

import (
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/scanium/openai-monitoring/internal/signals"
	"github.com/scanium/openai-monitoring/mimir"
)

// Components of the bundle's pipeline that the tests name.
const (
	receiver    = "otelcol.receiver.otlp.default"
	remoteWrite = "prometheus.remote_write.mimir"
	tempo       = "otelcol.exporter.otlphttp.tempo"
	loki        = "otelcol.exporter.otlphttp.loki"
	selfScrape  = "prometheus.scrape.alloy"
	selfMetrics = "prometheus.exporter.self.alloy"
)

func bundle(t *testing.T) *Pipeline {
	t.Helper()
	p, err := Bundle()
	if err != nil {
		t.Fatalf("config.alloy: %v", err)
	}
	return p
}

func TestBundleReferencesOnlyDefinedComponents(t *testing.T) {
	p := bundle(t)
	if undefined := p.Undefined(); len(undefined) > 0 {
		t.Errorf("references to undefined components: %s", strings.Join(undefined, "; "))
	}
	for _, id := range []string{receiver, remoteWrite, tempo, loki, selfScrape, selfMetrics} {
		if !p.Has(id) {
			t.Errorf("component %s is missing", id)
		}
	}
}

func TestBundleSendsEachSignalToItsStore(t *testing.T) {
	p := bundle(t)
	for _, tc := range []struct{ signal, store string }{
		{SignalMetrics, remoteWrite},
		{SignalTraces, tempo},
		{SignalLogs, loki},
	} {
		if !p.Reaches(receiver, tc.store, tc.signal) {
			t.Errorf("%s received over OTLP do not reach %s", tc.signal, tc.store)
		}
	}
	for _, tc := range []struct{ signal, store string }{
		{SignalMetrics, tempo}, {SignalMetrics, loki},
		{SignalTraces, remoteWrite}, {SignalTraces, loki},
		{SignalLogs, remoteWrite}, {SignalLogs, tempo},
	} {
		if p.Reaches(receiver, tc.store, tc.signal) {
			t.Errorf("%s reach %s, which stores another signal", tc.signal, tc.store)
		}
	}
}

func TestBundleWritesAlloysOwnMetricsToMimir(t *testing.T) {
	p := bundle(t)
	if !p.Reaches(selfScrape, remoteWrite, SignalMetrics) {
		t.Errorf("%s does not forward to %s", selfScrape, remoteWrite)
	}
	scrapesSelf := slices.ContainsFunc(p.Edges(), func(e Edge) bool {
		return e.From == selfScrape && e.To == selfMetrics && e.Export == "targets"
	})
	if !scrapesSelf {
		t.Errorf("%s does not take its targets from %s", selfScrape, selfMetrics)
	}
}

func TestBundleHasNoDeadComponents(t *testing.T) {
	p := bundle(t)
	referenced := map[string]bool{}
	for _, e := range p.Edges() {
		referenced[e.To] = true
	}
	sources := []string{receiver, selfScrape}
	for _, id := range p.Components() {
		if !referenced[id] && !slices.Contains(sources, id) {
			t.Errorf("component %s is defined but nothing sends to it", id)
		}
	}
}

func TestBundleReceivesOTLPOnTheBundlePorts(t *testing.T) {
	p := bundle(t)
	for protocol, port := range map[string]string{"grpc": "4317", "http": "4318"} {
		endpoint, err := p.StringAttr(receiver, protocol, "endpoint")
		if err != nil {
			t.Fatal(err)
		}
		host, got, err := net.SplitHostPort(endpoint)
		if err != nil {
			t.Fatalf("%s endpoint %q: %v", protocol, endpoint, err)
		}
		if got != port {
			t.Errorf("%s endpoint listens on %s, want %s", protocol, got, port)
		}
		if host != "0.0.0.0" {
			t.Errorf("%s endpoint binds %q: bind 0.0.0.0, or other containers cannot reach it", protocol, host)
		}
	}
}

func TestBundleRemoteWritesToMimirsPushEndpoint(t *testing.T) {
	p := bundle(t)
	raw, err := p.StringAttr(remoteWrite, "endpoint", "url")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("remote_write url %q: %v", raw, err)
	}
	m, err := mimir.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	if u.Port() != strconv.Itoa(m.Server.HTTPListenPort) {
		t.Errorf("remote_write port %s, Mimir listens on %d", u.Port(), m.Server.HTTPListenPort)
	}
	if u.Path != mimir.PushPath {
		t.Errorf("remote_write path %q, want %s", u.Path, mimir.PushPath)
	}
	if u.Scheme != "http" || u.Hostname() == "" {
		t.Errorf("remote_write url %q: want http://<mimir service>:<port>%s", raw, mimir.PushPath)
	}
}

func TestBundleRemoteWriteSendsExemplars(t *testing.T) {
	p := bundle(t)
	send, err := p.BoolAttr(remoteWrite, "endpoint", "send_exemplars")
	if err != nil {
		t.Fatalf("%v: set send_exemplars = true explicitly, Grafana's exemplar links depend on it", err)
	}
	if !send {
		t.Errorf("%s sends no exemplars: the trace ids of the backend's histogram never reach Mimir", remoteWrite)
	}
}

// exemplarPreservingKinds are the component kinds that hand metrics on with
// their exemplars untouched: the OTLP receiver, the memory limiter and the
// batch processor pass data points as they are; otelcol.exporter.prometheus
// converts every exemplar of a counter or histogram (labelled
// signals.ExemplarTraceIDLabel), and prometheus.remote_write sends them with
// send_exemplars.
var exemplarPreservingKinds = []string{
	"otelcol.receiver.otlp",
	"otelcol.processor.memory_limiter",
	"otelcol.processor.batch",
	"otelcol.exporter.prometheus",
	"prometheus.remote_write",
}

func TestBundleMetricsPathKeepsExemplars(t *testing.T) {
	p := bundle(t)
	var onPath []string
	for _, id := range p.Components() {
		if p.Reaches(receiver, id, SignalMetrics) && p.Reaches(id, remoteWrite, SignalMetrics) {
			onPath = append(onPath, id)
		}
	}
	if len(onPath) == 0 {
		t.Fatalf("no metrics path from %s to %s", receiver, remoteWrite)
	}
	sawExporter := false
	for _, id := range onPath {
		kind := id[:strings.LastIndex(id, ".")]
		if !slices.Contains(exemplarPreservingKinds, kind) {
			t.Errorf("%s sits between the OTLP receiver and Mimir: check that it keeps exemplars, then add %s to exemplarPreservingKinds", id, kind)
		}
		sawExporter = sawExporter || kind == "otelcol.exporter.prometheus"
	}
	if !sawExporter {
		t.Errorf("metrics reach %s without otelcol.exporter.prometheus, whose exemplars carry the label %s", remoteWrite, signals.ExemplarTraceIDLabel)
	}
}

func TestBundleExportsTracesAndLogsAtTheOTLPPaths(t *testing.T) {
	p := bundle(t)
	// otelcol.exporter.otlphttp appends /v1/traces and /v1/logs to its
	// endpoint: Tempo's receiver serves them at the root, Loki at its OTLP
	// logs path.
	lokiBase, ok := strings.CutSuffix(signals.LokiOTLPLogsPath, "/v1/logs")
	if !ok {
		t.Fatalf("Loki's OTLP logs path %s does not end in /v1/logs, which otelcol.exporter.otlphttp appends", signals.LokiOTLPLogsPath)
	}
	for id, want := range map[string]string{tempo: "", loki: lokiBase} {
		raw, err := p.StringAttr(id, "client", "endpoint")
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("%s endpoint %q: %v", id, raw, err)
		}
		if strings.TrimSuffix(u.Path, "/") != want {
			t.Errorf("%s endpoint %q: path %q, want %q", id, raw, u.Path, want)
		}
	}
}

const brokenPipeline = `
otelcol.receiver.otlp "in" {
  http { }
  output {
    metrics = [otelcol.processor.batch.b.input]
    traces  = [otelcol.exporter.otlp.missing.input]
  }
}
otelcol.processor.batch "b" {
  output {
    logs = [prometheus.remote_write.out.receiver]
  }
}
prometheus.remote_write "out" {
  endpoint {
    url            = sys.env("URL")
    send_exemplars = "yes"
  }
}
`

func TestParseFindsUndefinedReferencesAndBrokenChains(t *testing.T) {
	p, err := Parse("broken.alloy", []byte(brokenPipeline))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"otelcol.receiver.otlp.in -> otelcol.exporter.otlp.missing.input"}
	if got := p.Undefined(); !slices.Equal(got, want) {
		t.Errorf("Undefined() = %q, want %q", got, want)
	}
	if p.Reaches("otelcol.receiver.otlp.in", "prometheus.remote_write.out", SignalMetrics) {
		t.Error("metrics reach remote_write, but the batch processor only forwards logs")
	}
	if !p.Reaches("otelcol.receiver.otlp.in", "otelcol.processor.batch.b", SignalMetrics) {
		t.Error("metrics do not reach the batch processor")
	}
	if _, err := p.StringAttr("prometheus.remote_write.out", "endpoint", "url"); err == nil {
		t.Error("StringAttr accepted a function call as a string literal")
	}
	if _, err := p.StringAttr("prometheus.remote_write.out", "queue_config", "capacity"); err == nil {
		t.Error("StringAttr found an attribute in a block that does not exist")
	}
	if _, err := p.StringAttr("prometheus.remote_write.nowhere", "url"); err == nil {
		t.Error("StringAttr found an attribute of an undefined component")
	}
	if _, err := p.BoolAttr("prometheus.remote_write.out", "endpoint", "send_exemplars"); err == nil {
		t.Error("BoolAttr accepted a string as a boolean literal")
	}
	if _, err := p.BoolAttr("prometheus.remote_write.out", "endpoint", "send_native_histograms"); err == nil {
		t.Error("BoolAttr found an attribute that is not set")
	}
}

func TestParseRejectsInvalidFiles(t *testing.T) {
	for name, src := range map[string]string{
		"syntax error": `otelcol.receiver.otlp "in" {`,
		"duplicate":    "prometheus.exporter.self \"a\" { }\nprometheus.exporter.self \"a\" { }\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(name+".alloy", []byte(src)); err == nil {
				t.Error("Parse succeeded, want an error")
			}
		})
	}
}
