package compose

import (
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"gopkg.in/yaml.v3"

	"github.com/scanium/openai-monitoring/alloy"
	backendconfig "github.com/scanium/openai-monitoring/backend/config"
	"github.com/scanium/openai-monitoring/internal/signals"
	"github.com/scanium/openai-monitoring/mimir"
	provisionerconfig "github.com/scanium/openai-monitoring/provisioner/config"
)

// This file checks that the pieces of the bundle agree on where each other
// lives: compose service names and aliases, ports, and paths, as the backend,
// Alloy, Mimir, Loki, Tempo and the provisioner each declare them.

// grafanaHTTPPort is Grafana's default server.http_port; compose sets no other.
const grafanaHTTPPort = 3000

// Alloy components the wiring goes through.
const (
	alloyReceiver    = "otelcol.receiver.otlp.default"
	alloyRemoteWrite = "prometheus.remote_write.mimir"
	alloyTempo       = "otelcol.exporter.otlphttp.tempo"
	alloyLoki        = "otelcol.exporter.otlphttp.loki"
)

// lokiConfig is the part of compose/loki/loki.yaml the bundle relies on.
type lokiConfig struct {
	Server struct {
		HTTPListenPort int `yaml:"http_listen_port"`
	} `yaml:"server"`
	Common struct {
		PathPrefix string `yaml:"path_prefix"`
	} `yaml:"common"`
	SchemaConfig struct {
		Configs []struct {
			Store  string `yaml:"store"`
			Schema string `yaml:"schema"`
		} `yaml:"configs"`
	} `yaml:"schema_config"`
	LimitsConfig struct {
		AllowStructuredMetadata *bool          `yaml:"allow_structured_metadata"`
		OTLPConfig              map[string]any `yaml:"otlp_config"`
	} `yaml:"limits_config"`
}

// tempoConfig is the part of compose/tempo/tempo.yaml the bundle relies on.
type tempoConfig struct {
	Server struct {
		HTTPListenPort int `yaml:"http_listen_port"`
	} `yaml:"server"`
	Distributor struct {
		Receivers struct {
			OTLP struct {
				Protocols struct {
					HTTP struct {
						Endpoint string `yaml:"endpoint"`
					} `yaml:"http"`
				} `yaml:"protocols"`
			} `yaml:"otlp"`
		} `yaml:"receivers"`
	} `yaml:"distributor"`
	MetricsGenerator struct {
		Registry struct {
			ExternalLabels map[string]string `yaml:"external_labels"`
		} `yaml:"registry"`
		Storage struct {
			Path        string `yaml:"path"`
			RemoteWrite []struct {
				URL           string `yaml:"url"`
				SendExemplars bool   `yaml:"send_exemplars"`
			} `yaml:"remote_write"`
		} `yaml:"storage"`
	} `yaml:"metrics_generator"`
	Overrides struct {
		Defaults struct {
			MetricsGenerator struct {
				Processors       []string `yaml:"processors"`
				TraceIDLabelName string   `yaml:"trace_id_label_name"`
			} `yaml:"metrics_generator"`
		} `yaml:"defaults"`
	} `yaml:"overrides"`
	Storage struct {
		Trace struct {
			WAL struct {
				Path string `yaml:"path"`
			} `yaml:"wal"`
			Local struct {
				Path string `yaml:"path"`
			} `yaml:"local"`
		} `yaml:"trace"`
	} `yaml:"storage"`
}

func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// bundle loads every side of the wiring once.
type bundle struct {
	project *types.Project
	alloy   *alloy.Pipeline
	mimir   mimir.Config
	loki    lokiConfig
	tempo   tempoConfig
}

func loadBundle(t *testing.T) bundle {
	t.Helper()
	b := bundle{project: loadExample(t, nil)}
	var err error
	if b.alloy, err = alloy.Bundle(); err != nil {
		t.Fatal(err)
	}
	if b.mimir, err = mimir.Bundle(); err != nil {
		t.Fatal(err)
	}
	readYAML(t, filepath.Join("loki", "loki.yaml"), &b.loki)
	readYAML(t, filepath.Join("tempo", "tempo.yaml"), &b.tempo)
	return b
}

// serviceAt returns the service that host names on the compose network: its
// service name or one of its network aliases.
func (b bundle) serviceAt(t *testing.T, host string) types.ServiceConfig {
	t.Helper()
	for _, s := range b.project.Services {
		if s.Name == host {
			return s
		}
		for _, n := range s.Networks {
			if n != nil && slices.Contains(n.Aliases, host) {
				return s
			}
		}
	}
	t.Fatalf("no compose service or network alias is named %q", host)
	return types.ServiceConfig{}
}

// env returns the value compose gives a service's environment variable.
func env(s types.ServiceConfig, name string) (string, bool) {
	v, ok := s.Environment[name]
	if !ok || v == nil {
		return "", false
	}
	return *v, true
}

func parseURL(t *testing.T, what, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" || u.Port() == "" {
		t.Fatalf("%s %q: want scheme://host:port[/path] (%v)", what, raw, err)
	}
	return u
}

func port(t *testing.T, what, hostPort string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(hostPort)
	if err != nil {
		t.Fatalf("%s %q: %v", what, hostPort, err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatalf("%s %q: %v", what, hostPort, err)
	}
	return n
}

// expectTarget checks that what's URL names service and port.
func expectTarget(t *testing.T, what string, u *url.URL, got types.ServiceConfig, service string, wantPort int) {
	t.Helper()
	if got.Name != service {
		t.Errorf("%s %s reaches %s, want %s", what, u, got.Name, service)
	}
	if u.Port() != strconv.Itoa(wantPort) {
		t.Errorf("%s %s uses port %s, but %s listens on %d", what, u, u.Port(), service, wantPort)
	}
}

func alloyString(t *testing.T, p *alloy.Pipeline, id string, path ...string) string {
	t.Helper()
	s, err := p.StringAttr(id, path...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBackendExportsToAlloysOTLPHTTPReceiver(t *testing.T) {
	b := loadBundle(t)
	backend := service(t, b.project, backendService)
	raw, ok := env(backend, "OTEL_EXPORTER_OTLP_ENDPOINT")
	if !ok {
		t.Fatalf("%s sets no OTEL_EXPORTER_OTLP_ENDPOINT: the default %s is the container itself", backendService, backendconfig.DefaultOTLPEndpoint)
	}
	u := parseURL(t, "OTEL_EXPORTER_OTLP_ENDPOINT", raw)
	httpPort := port(t, "Alloy OTLP/HTTP endpoint", alloyString(t, b.alloy, alloyReceiver, "http", "endpoint"))
	expectTarget(t, "the backend's OTLP endpoint", u, b.serviceAt(t, u.Hostname()), alloyService, httpPort)
	if u.Scheme != "http" {
		t.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT %s: the receiver speaks plain http inside the network", raw)
	}
	if defaultURL := parseURL(t, "backend default OTLP endpoint", backendconfig.DefaultOTLPEndpoint); defaultURL.Port() != strconv.Itoa(httpPort) {
		t.Errorf("backend default OTLP endpoint %s and Alloy's OTLP/HTTP port %d disagree", backendconfig.DefaultOTLPEndpoint, httpPort)
	}
}

func TestBackendListensWhereComposePublishesAndProbes(t *testing.T) {
	b := loadBundle(t)
	backend := service(t, b.project, backendService)
	listen, ok := env(backend, "PORT")
	if !ok {
		listen = backendconfig.DefaultPort
	}
	if listen != backendconfig.DefaultPort {
		t.Errorf("compose sets PORT=%s, the backend's port is %s", listen, backendconfig.DefaultPort)
	}
	if len(backend.Ports) != 1 || strconv.Itoa(int(backend.Ports[0].Target)) != listen {
		t.Errorf("%s publishes %v, want container port %s", backendService, backend.Ports, listen)
	}
	loadgenTarget, _ := env(service(t, b.project, loadgenService), "LOADGEN_TARGET_URL")
	u := parseURL(t, "LOADGEN_TARGET_URL", loadgenTarget)
	expectTarget(t, "the load generator's target", u, b.serviceAt(t, u.Hostname()), backendService, mustAtoi(t, listen))
}

func TestAlloyWritesMetricsToMimir(t *testing.T) {
	b := loadBundle(t)
	u := parseURL(t, "remote_write url", alloyString(t, b.alloy, alloyRemoteWrite, "endpoint", "url"))
	expectTarget(t, "Alloy's remote_write", u, b.serviceAt(t, u.Hostname()), mimirService, b.mimir.Server.HTTPListenPort)
	if u.Path != mimir.PushPath {
		t.Errorf("Alloy's remote_write path %q, want %s", u.Path, mimir.PushPath)
	}
}

func TestAlloySendsTracesToTempoAndLogsToLoki(t *testing.T) {
	b := loadBundle(t)
	tempoURL := parseURL(t, "Tempo exporter endpoint", alloyString(t, b.alloy, alloyTempo, "client", "endpoint"))
	tempoPort := port(t, "Tempo OTLP/HTTP receiver", b.tempo.Distributor.Receivers.OTLP.Protocols.HTTP.Endpoint)
	expectTarget(t, "Alloy's Tempo exporter", tempoURL, b.serviceAt(t, tempoURL.Hostname()), tempoService, tempoPort)

	lokiURL := parseURL(t, "Loki exporter endpoint", alloyString(t, b.alloy, alloyLoki, "client", "endpoint"))
	expectTarget(t, "Alloy's Loki exporter", lokiURL, b.serviceAt(t, lokiURL.Hostname()), lokiService, b.loki.Server.HTTPListenPort)
	// otelcol.exporter.otlphttp appends /v1/logs to its endpoint.
	if got := strings.TrimSuffix(lokiURL.Path, "/") + "/v1/logs"; got != signals.LokiOTLPLogsPath {
		t.Errorf("Alloy's Loki exporter posts to %s, want Loki's native OTLP endpoint %s", got, signals.LokiOTLPLogsPath)
	}
}

func TestLokiKeepsOTLPTraceIDsAsStructuredMetadata(t *testing.T) {
	b := loadBundle(t)
	allow := b.loki.LimitsConfig.AllowStructuredMetadata
	if allow == nil || !*allow {
		t.Errorf("limits_config.allow_structured_metadata must be set to true: OTLP log records keep their %s there", signals.LokiTraceIDMetadata)
	}
	configs := b.loki.SchemaConfig.Configs
	if len(configs) == 0 {
		t.Fatal("schema_config has no period")
	}
	if newest := configs[len(configs)-1]; newest.Store != "tsdb" || newest.Schema != "v13" {
		t.Errorf("newest schema is %s/%s: structured metadata needs tsdb with schema v13", newest.Store, newest.Schema)
	}
	// With Loki's default OTLP mapping, service.name is the stream label
	// service_name and trace_id/span_id are structured metadata: the Loki
	// and Tempo data sources rely on exactly that.
	if b.loki.LimitsConfig.OTLPConfig != nil {
		t.Errorf("limits_config.otlp_config changes which OTLP attributes become labels: check that %s stays a stream label and %s structured metadata, then update this test and the data sources", signals.LokiServiceNameLabel, signals.LokiTraceIDMetadata)
	}
}

func TestTempoGeneratesWhatItsDataSourceLinksTo(t *testing.T) {
	b := loadBundle(t)
	gen := b.tempo.Overrides.Defaults.MetricsGenerator
	for _, p := range []string{signals.TempoServiceGraphsProcessor, signals.TempoSpanMetricsProcessor} {
		if !slices.Contains(gen.Processors, p) {
			t.Errorf("overrides.defaults.metrics_generator.processors %v lacks %s: the Tempo data source's service map and metric links would show nothing", gen.Processors, p)
		}
	}
	if gen.TraceIDLabelName != signals.ExemplarTraceIDLabel {
		t.Errorf("metrics_generator.trace_id_label_name = %q, want %q: the label of the backend's exemplars, which the Mimir data source opens Tempo from", gen.TraceIDLabelName, signals.ExemplarTraceIDLabel)
	}
	for _, w := range b.tempo.MetricsGenerator.Storage.RemoteWrite {
		if !w.SendExemplars {
			t.Errorf("Tempo's remote_write to %s sends no exemplars", w.URL)
		}
	}
	if b.mimir.Limits.MaxGlobalExemplarsPerUser <= 0 {
		t.Error("Mimir's max_global_exemplars_per_user is 0: it drops the exemplars Tempo and Alloy send")
	}
	// The widest generated series, a span-metrics latency bucket, carries
	// these labels besides the registry's external labels; Mimir refuses a
	// series with more names than max_label_names_per_series.
	spanMetricLabels := []string{"__name__", signals.TempoSpanMetricsServiceLabel, "span_name", "span_kind", "status_code", "le", "job", "instance"}
	if n := len(spanMetricLabels) + len(b.tempo.MetricsGenerator.Registry.ExternalLabels); n > b.mimir.Limits.MaxLabelNamesPerSeries {
		t.Errorf("Tempo's span metrics carry %d label names, Mimir accepts %d (max_label_names_per_series)", n, b.mimir.Limits.MaxLabelNamesPerSeries)
	}
}

func TestTempoWritesSpanMetricsToMimir(t *testing.T) {
	b := loadBundle(t)
	writes := b.tempo.MetricsGenerator.Storage.RemoteWrite
	if len(writes) != 1 {
		t.Fatalf("Tempo's metrics generator has %d remote_write targets, want 1 (Mimir)", len(writes))
	}
	u := parseURL(t, "Tempo remote_write url", writes[0].URL)
	expectTarget(t, "Tempo's remote_write", u, b.serviceAt(t, u.Hostname()), mimirService, b.mimir.Server.HTTPListenPort)
	if u.Path != mimir.PushPath {
		t.Errorf("Tempo's remote_write path %q, want %s", u.Path, mimir.PushPath)
	}
}

func TestProvisionerDataSourcesReachTheStores(t *testing.T) {
	b := loadBundle(t)
	provisioner := service(t, b.project, provisionerService)
	for _, tc := range []struct {
		variable, fallback, service string
		port                        int
		path                        string
	}{
		{provisionerconfig.EnvMimirURL, provisionerconfig.DefaultMimirURL, mimirService, b.mimir.Server.HTTPListenPort, b.mimir.API.PrometheusHTTPPrefix},
		{provisionerconfig.EnvLokiURL, provisionerconfig.DefaultLokiURL, lokiService, b.loki.Server.HTTPListenPort, ""},
		{provisionerconfig.EnvTempoURL, provisionerconfig.DefaultTempoURL, tempoService, b.tempo.Server.HTTPListenPort, ""},
	} {
		raw, ok := env(provisioner, tc.variable)
		if !ok {
			raw = tc.fallback
		}
		u := parseURL(t, tc.variable, raw)
		expectTarget(t, "the provisioner's "+tc.variable, u, b.serviceAt(t, u.Hostname()), tc.service, tc.port)
		if strings.TrimSuffix(u.Path, "/") != tc.path {
			t.Errorf("%s %s: path %q, want %q", tc.variable, raw, u.Path, tc.path)
		}
	}

	raw, ok := env(provisioner, provisionerconfig.EnvGrafanaURL)
	if !ok {
		t.Fatalf("%s sets no %s: its default %s is the container itself", provisionerService, provisionerconfig.EnvGrafanaURL, provisionerconfig.DefaultGrafanaURL)
	}
	u := parseURL(t, provisionerconfig.EnvGrafanaURL, raw)
	expectTarget(t, "the provisioner's Grafana", u, b.serviceAt(t, u.Hostname()), grafanaService, grafanaHTTPPort)
	if defaultURL := parseURL(t, "provisioner default Grafana URL", provisionerconfig.DefaultGrafanaURL); defaultURL.Port() != strconv.Itoa(grafanaHTTPPort) {
		t.Errorf("the provisioner's default Grafana URL %s does not use Grafana's port %d", provisionerconfig.DefaultGrafanaURL, grafanaHTTPPort)
	}
	grafana := service(t, b.project, grafanaService)
	if len(grafana.Ports) != 1 || grafana.Ports[0].Target != grafanaHTTPPort {
		t.Errorf("%s publishes %v, want container port %d", grafanaService, grafana.Ports, grafanaHTTPPort)
	}
}

func TestHealthchecksProbeTheServicesPorts(t *testing.T) {
	b := loadBundle(t)
	for svc, wantPort := range map[string]int{
		mimirService:   b.mimir.Server.HTTPListenPort,
		tempoService:   b.tempo.Server.HTTPListenPort,
		grafanaService: grafanaHTTPPort,
		simService:     8090,
		billingService: 8098,
	} {
		test := service(t, b.project, svc).HealthCheck.Test
		u := parseURL(t, svc+" healthcheck", test[len(test)-1])
		if u.Hostname() != "127.0.0.1" || u.Port() != strconv.Itoa(wantPort) {
			t.Errorf("%s healthcheck probes %s, want 127.0.0.1:%d", svc, u, wantPort)
		}
	}
	if b.loki.Server.HTTPListenPort != 3100 {
		t.Errorf("Loki listens on %d, but loki -health probes port 3100", b.loki.Server.HTTPListenPort)
	}
	simAddr, _ := env(service(t, b.project, simService), "SIM_ADDR")
	if port(t, "SIM_ADDR", simAddr) != 8090 {
		t.Errorf("SIM_ADDR %s, the healthcheck probes 8090", simAddr)
	}
	healthAddr, _ := env(service(t, b.project, billingService), envHealthAddr)
	if port(t, envHealthAddr, healthAddr) != 8098 {
		t.Errorf("%s %s, the healthcheck probes 8098", envHealthAddr, healthAddr)
	}
}

func TestConfigurationsAreMountedWhereTheServicesReadThem(t *testing.T) {
	b := loadBundle(t)
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		service, source, target string
	}{
		{alloyService, filepath.Join(root, "alloy", alloy.ConfigFile), "/etc/alloy/config.alloy"},
		{mimirService, filepath.Join(root, "mimir", mimir.ConfigFile), "/etc/mimir/mimir.yaml"},
		{lokiService, filepath.Join(root, "compose", "loki", "loki.yaml"), "/etc/loki/loki.yaml"},
		{tempoService, filepath.Join(root, "compose", "tempo", "tempo.yaml"), "/etc/tempo/tempo.yaml"},
	} {
		s := service(t, b.project, tc.service)
		mounted := slices.ContainsFunc(s.Volumes, func(v types.ServiceVolumeConfig) bool {
			return v.Source == tc.source && v.Target == tc.target && v.ReadOnly
		})
		if !mounted {
			t.Errorf("%s does not mount %s read-only at %s", tc.service, tc.source, tc.target)
		}
		if args := strings.Join(s.Command, " "); !strings.Contains(args, tc.target) {
			t.Errorf("%s runs %q, which does not read %s", tc.service, args, tc.target)
		}
	}
}

func TestDataPathsAreOnTheMountedVolumes(t *testing.T) {
	b := loadBundle(t)
	if statefulServices[mimirService] != mimir.DataDir {
		t.Errorf("compose mounts Mimir's data at %s, mimir.yaml writes under %s", statefulServices[mimirService], mimir.DataDir)
	}
	if b.loki.Common.PathPrefix != statefulServices[lokiService] {
		t.Errorf("loki.yaml path_prefix %s, compose mounts %s", b.loki.Common.PathPrefix, statefulServices[lokiService])
	}
	for key, p := range map[string]string{
		"storage.trace.wal.path":         b.tempo.Storage.Trace.WAL.Path,
		"storage.trace.local.path":       b.tempo.Storage.Trace.Local.Path,
		"metrics_generator.storage.path": b.tempo.MetricsGenerator.Storage.Path,
	} {
		if !strings.HasPrefix(p, statefulServices[tempoService]+"/") {
			t.Errorf("tempo.yaml %s = %q, outside the volume mounted at %s", key, p, statefulServices[tempoService])
		}
	}
	storage := slices.Index(service(t, b.project, alloyService).Command, "--storage.path="+statefulServices[alloyService])
	if storage < 0 {
		t.Errorf("Alloy's --storage.path is not its volume %s", statefulServices[alloyService])
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
