package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func env(kv ...string) LookupFunc {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestLoadDefaults(t *testing.T) {
	cfg, err := Load(env(EnvAPIKeys, "k1, k2 ,,"), "nas-1")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Port != DefaultPort || cfg.Environment != DefaultEnvironment || cfg.LogLevel != slog.LevelInfo {
		t.Errorf("port/env/level = %q/%q/%v", cfg.Port, cfg.Environment, cfg.LogLevel)
	}
	if len(cfg.APIKeys) != 2 || cfg.APIKeys[0].Reveal() != "k1" || cfg.APIKeys[1].Reveal() != "k2" {
		t.Errorf("API keys not split and trimmed: %d keys", len(cfg.APIKeys))
	}
	o := cfg.OpenAI
	if !o.UseSimulator() || o.Model != DefaultOpenAIModel || o.BaseURL != DefaultOpenAIBaseURL ||
		o.Timeout != DefaultOpenAITimeout || o.MaxRetries != DefaultMaxRetries || o.CustomBaseURL {
		t.Errorf("OpenAI defaults: %+v", o)
	}
	tel := cfg.Telemetry
	if !tel.Enabled || tel.ServiceName != DefaultServiceName || tel.Endpoint != DefaultOTLPEndpoint ||
		tel.MetricsURL != DefaultOTLPEndpoint+"/v1/metrics" || tel.ExportInterval != 5*time.Second || tel.HostName != "nas-1" {
		t.Errorf("telemetry defaults: %+v", tel)
	}
}

func TestLoadValues(t *testing.T) {
	cfg, err := Load(env(
		EnvAPIKeys, "k", EnvPort, "9090", EnvAppEnv, "production", EnvLogLevel, "debug",
		EnvOpenAIKey, "sk-real", EnvOpenAIModel, "gpt-4.1-mini", EnvOpenAIBaseURL, "http://sim:8090/v1/",
		EnvOpenAITimeout, "5s", EnvOpenAIMaxRetries, "0",
		EnvOTelServiceName, "svc", EnvOTLPEndpoint, "http://scanium-alloy:4318/", EnvMetricExportInterval, "2500",
	), "h")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Port != "9090" || cfg.Environment != "production" || cfg.LogLevel != slog.LevelDebug {
		t.Errorf("got %+v", cfg)
	}
	o := cfg.OpenAI
	if o.UseSimulator() || o.Model != "gpt-4.1-mini" || o.BaseURL != "http://sim:8090/v1" || !o.CustomBaseURL ||
		o.Timeout != 5*time.Second || o.MaxRetries != 0 {
		t.Errorf("OpenAI: %+v", o)
	}
	tel := cfg.Telemetry
	if tel.ServiceName != "svc" || tel.Endpoint != "http://scanium-alloy:4318/" ||
		tel.MetricsURL != "http://scanium-alloy:4318/v1/metrics" || tel.ExportInterval != 2500*time.Millisecond {
		t.Errorf("telemetry: %+v", tel)
	}
}

func TestLoadTelemetrySwitches(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     LookupFunc
		enabled bool
		url     string
	}{
		{"disabled", env(EnvAPIKeys, "k", EnvOTelEnabled, "false"), false, DefaultOTLPEndpoint + "/v1/metrics"},
		{"sdk disabled", env(EnvAPIKeys, "k", EnvOTelSDKDisabled, "true"), false, DefaultOTLPEndpoint + "/v1/metrics"},
		{"signal endpoint used as is", env(EnvAPIKeys, "k", EnvOTLPEndpoint, "http://a:4318", EnvOTLPMetricsEndpoint, "http://b:9/custom"), true, "http://b:9/custom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load(tc.env, "h")
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Telemetry.Enabled != tc.enabled || cfg.Telemetry.MetricsURL != tc.url {
				t.Errorf("enabled=%v url=%q, want %v %q", cfg.Telemetry.Enabled, cfg.Telemetry.MetricsURL, tc.enabled, tc.url)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  LookupFunc
		want string
	}{
		{"no keys", env(), "SCANIUM_API_KEYS: not set"},
		{"only commas", env(EnvAPIKeys, " , "), "SCANIUM_API_KEYS: not set"},
		{"port", env(EnvAPIKeys, "k", EnvPort, "80a"), `PORT: "80a" is not a TCP port`},
		{"port range", env(EnvAPIKeys, "k", EnvPort, "70000"), `PORT: "70000" is not a TCP port`},
		{"port sign", env(EnvAPIKeys, "k", EnvPort, "+80"), `PORT: "+80" is not a TCP port`},
		{"level", env(EnvAPIKeys, "k", EnvLogLevel, "loud"), `LOG_LEVEL: "loud" is not a level`},
		{"timeout unit", env(EnvAPIKeys, "k", EnvOpenAITimeout, "30"), `OPENAI_TIMEOUT: "30" is not a duration: give a number with a unit, e.g. 30s`},
		{"timeout short", env(EnvAPIKeys, "k", EnvOpenAITimeout, "1ms"), "OPENAI_TIMEOUT: 1ms is too short"},
		{"retries", env(EnvAPIKeys, "k", EnvOpenAIMaxRetries, "-1"), `OPENAI_MAX_RETRIES: "-1" is not a retry count`},
		{"retries too many", env(EnvAPIKeys, "k", EnvOpenAIMaxRetries, "11"), `OPENAI_MAX_RETRIES: "11" is not a retry count`},
		{"model", env(EnvAPIKeys, "k", EnvOpenAIModel, "gpt 4o; drop"), `OPENAI_MODEL: "gpt 4o; drop" is not a model name`},
		{"base url", env(EnvAPIKeys, "k", EnvOpenAIKey, "sk", EnvOpenAIBaseURL, "api.openai.com"), `OPENAI_BASE_URL: "api.openai.com" is not an http(s) URL`},
		{"base url without key", env(EnvAPIKeys, "k", EnvOpenAIBaseURL, "http://sim:8090/v1"), "OPENAI_API_KEY: not set while OPENAI_BASE_URL is"},
		{"enabled", env(EnvAPIKeys, "k", EnvOTelEnabled, "maybe"), `OTEL_ENABLED: "maybe" is not a boolean`},
		{"endpoint", env(EnvAPIKeys, "k", EnvOTLPEndpoint, "scanium-alloy:4318"), "OTEL_EXPORTER_OTLP_ENDPOINT: "},
		{"endpoint creds", env(EnvAPIKeys, "k", EnvOTLPEndpoint, "http://user:hunter2@alloy:4318"), "OTEL_EXPORTER_OTLP_ENDPOINT: the URL carries credentials"},
		{"interval", env(EnvAPIKeys, "k", EnvMetricExportInterval, "10s"), `OTEL_METRIC_EXPORT_INTERVAL: "10s" is not a number of milliseconds`},
		{"interval short", env(EnvAPIKeys, "k", EnvMetricExportInterval, "5"), "OTEL_METRIC_EXPORT_INTERVAL: 5ms is too short"},
		{"in flight zero", env(EnvAPIKeys, "k", EnvMaxInFlightRequests, "0"), `MAX_IN_FLIGHT_REQUESTS: "0" is not a number of requests: use a whole number from 1 to 100000 (default 256)`},
		{"in flight word", env(EnvAPIKeys, "k", EnvMaxInFlightRequests, "many"), `MAX_IN_FLIGHT_REQUESTS: "many" is not a number of requests`},
		{"connections", env(EnvAPIKeys, "k", EnvMaxConnections, "1e6"), `MAX_CONNECTIONS: "1e6" is not a number of connections: use a whole number from 2 to 1000000 (default 1024)`},
		{"connections not above in flight", env(EnvAPIKeys, "k", EnvMaxConnections, "256"), "MAX_CONNECTIONS: 256 is not above MAX_IN_FLIGHT_REQUESTS (256): each chat request in flight holds a connection"},
		{"header bytes", env(EnvAPIKeys, "k", EnvMaxHeaderBytes, "100"), `MAX_HEADER_BYTES: "100" is not a number of bytes: use a whole number from 4096 to 1048576 (default 32768)`},
		{"shutdown unit", env(EnvAPIKeys, "k", EnvShutdownTimeout, "40"), `SHUTDOWN_TIMEOUT: "40" is not a duration: give a number with a unit, e.g. 40s`},
		{"shutdown within the export budget", env(EnvAPIKeys, "k", EnvShutdownTimeout, "5s"),
			"SHUTDOWN_TIMEOUT: 5s leaves no time for in-flight requests: it must hold the final export's 5s (OTEL_EXPORTER_OTLP_TIMEOUT) and at least 1s to drain; set it to at least 6s, or shorten OTEL_EXPORTER_OTLP_TIMEOUT"},
		{"default shutdown within a long export timeout", env(EnvAPIKeys, "k", EnvOTLPMetricsTimeout, "60000"),
			"SHUTDOWN_TIMEOUT: 40s leaves no time for in-flight requests: it must hold the final export's 1m0s (OTEL_EXPORTER_OTLP_METRICS_TIMEOUT)"},
		{"shutdown with telemetry off", env(EnvAPIKeys, "k", EnvOTelEnabled, "false", EnvShutdownTimeout, "-1s"), "SHUTDOWN_TIMEOUT: -1s is too short: use at least 1s"},
		{"export timeout", env(EnvAPIKeys, "k", EnvOTLPTimeout, "5s"), `OTEL_EXPORTER_OTLP_TIMEOUT: "5s" is not a number of milliseconds, e.g. 5000`},
		{"export timeout short", env(EnvAPIKeys, "k", EnvOTLPTimeout, "10"), "OTEL_EXPORTER_OTLP_TIMEOUT: 10ms is too short: use at least 100"},
		{"export timeout long", env(EnvAPIKeys, "k", EnvOTLPMetricsTimeout, "600000"), "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: 600000ms is too long: use at most 60000"},
		{"interval beyond int64", env(EnvAPIKeys, "k", EnvMetricExportInterval, "99999999999999999999"), "OTEL_METRIC_EXPORT_INTERVAL: 99999999999999999999ms is too long: use at most 86400000"},
		{"interval that overflows a duration", env(EnvAPIKeys, "k", EnvMetricExportInterval, "9223372036854775"), "OTEL_METRIC_EXPORT_INTERVAL: 9223372036854775ms is too long"},
		{"negative interval", env(EnvAPIKeys, "k", EnvMetricExportInterval, "-99999999999999999999"), "OTEL_METRIC_EXPORT_INTERVAL: -99999999999999999999ms is too short"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.env, "h")
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error leaks a credential: %q", err)
			}
			if lines := strings.Count(err.Error(), "\n"); lines != 1 {
				t.Errorf("want exactly one problem reported, got %d:\n%v", lines, err)
			}
		})
	}
}

func TestDefaultBaseURLWithoutKeyUsesTheSimulator(t *testing.T) {
	// Compose passes OPENAI_BASE_URL's default explicitly; with no key the
	// built-in simulator still answers.
	cfg, err := Load(env(EnvAPIKeys, "k", EnvOpenAIBaseURL, DefaultOpenAIBaseURL+"/", EnvOpenAIKey, ""), "h")
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.OpenAI.UseSimulator() || cfg.OpenAI.CustomBaseURL {
		t.Errorf("OpenAI: %+v", cfg.OpenAI)
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	_, err := Load(env(EnvPort, "x", EnvOTelEnabled, "maybe"), "h")
	if err == nil {
		t.Fatal("no error")
	}
	for _, key := range []string{EnvAPIKeys, EnvPort, EnvOTelEnabled} {
		if !strings.Contains(err.Error(), key+":") {
			t.Errorf("error does not name %s: %v", key, err)
		}
	}
}

func TestSecretNeverPrints(t *testing.T) {
	cfg, err := Load(env(EnvAPIKeys, "client-key-123", EnvOpenAIKey, "sk-live-456"), "h")
	if err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cfg", cfg, "key", cfg.OpenAI.APIKey)
	js, _ := json.Marshal(cfg)
	for _, out := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v %#v %s %q %v", cfg, cfg, cfg.OpenAI.APIKey, cfg.OpenAI.APIKey, cfg.APIKeys), logs.String(), string(js)} {
		if strings.Contains(out, "client-key-123") || strings.Contains(out, "sk-live-456") {
			t.Fatalf("a secret printed: %s", out)
		}
		if !strings.Contains(out, "<secret>") && !strings.Contains(out, `\u003csecret\u003e`) {
			t.Errorf("no <secret> placeholder in %s", out)
		}
	}
	if cfg.OpenAI.APIKey.Reveal() != "sk-live-456" {
		t.Error("Reveal does not return the value")
	}
}

func TestLoadMaxResponseBytes(t *testing.T) {
	cfg, err := Load(env(EnvAPIKeys, "k"), "h")
	if err != nil || cfg.OpenAI.MaxResponseBytes != DefaultOpenAIMaxResponseBytes {
		t.Fatalf("default: %d, %v", cfg.OpenAI.MaxResponseBytes, err)
	}
	cfg, err = Load(env(EnvAPIKeys, "k", EnvOpenAIMaxResponse, "1048576"), "h")
	if err != nil || cfg.OpenAI.MaxResponseBytes != 1<<20 {
		t.Fatalf("set: %d, %v", cfg.OpenAI.MaxResponseBytes, err)
	}
	for _, bad := range []string{"1k", "-1", "100", "9223372036854775807", "2147483648"} {
		_, err := Load(env(EnvAPIKeys, "k", EnvOpenAIMaxResponse, bad), "h")
		if err == nil || !strings.Contains(err.Error(), EnvOpenAIMaxResponse+": ") || !strings.Contains(err.Error(), "from 65536 to 1073741824") {
			t.Errorf("%s: want an error naming %s and the range, got %v", bad, EnvOpenAIMaxResponse, err)
		}
	}
}

func TestLoadServerLimits(t *testing.T) {
	cfg, err := Load(env(EnvAPIKeys, "k"), "h")
	if err != nil {
		t.Fatal(err)
	}
	want := Server{MaxInFlightRequests: DefaultMaxInFlightRequests, MaxConnections: DefaultMaxConnections, MaxHeaderBytes: DefaultMaxHeaderBytes}
	if cfg.Server != want {
		t.Errorf("defaults %+v, want %+v", cfg.Server, want)
	}
	cfg, err = Load(env(EnvAPIKeys, "k", EnvMaxInFlightRequests, "8", EnvMaxConnections, "9", EnvMaxHeaderBytes, "4096"), "h")
	if err != nil {
		t.Fatal(err)
	}
	if want := (Server{MaxInFlightRequests: 8, MaxConnections: 9, MaxHeaderBytes: 4096}); cfg.Server != want {
		t.Errorf("set %+v, want %+v", cfg.Server, want)
	}
}

func TestShutdownBudgets(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		env                  LookupFunc
		total, drain, export time.Duration
	}{
		{"defaults", env(EnvAPIKeys, "k"), DefaultShutdownTimeout, DefaultShutdownTimeout - DefaultExportTimeout, DefaultExportTimeout},
		{"generic export timeout", env(EnvAPIKeys, "k", EnvOTLPTimeout, "2000", EnvShutdownTimeout, "10s"), 10 * time.Second, 8 * time.Second, 2 * time.Second},
		{"metrics export timeout first", env(EnvAPIKeys, "k", EnvOTLPTimeout, "9000", EnvOTLPMetricsTimeout, "1500", EnvShutdownTimeout, "3s"), 3 * time.Second, 1500 * time.Millisecond, 1500 * time.Millisecond},
		{"telemetry off: all of it drains", env(EnvAPIKeys, "k", EnvOTelEnabled, "false", EnvShutdownTimeout, "1s"), time.Second, time.Second, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load(tc.env, "h")
			if err != nil {
				t.Fatal(err)
			}
			if cfg.ShutdownTimeout != tc.total || cfg.DrainBudget() != tc.drain || cfg.FinalExportBudget() != tc.export {
				t.Errorf("total %s drain %s export %s, want %s %s %s", cfg.ShutdownTimeout, cfg.DrainBudget(), cfg.FinalExportBudget(), tc.total, tc.drain, tc.export)
			}
		})
	}
}

func TestDefaultDrainLetsAnOpenAICallFinish(t *testing.T) {
	cfg, err := Load(env(EnvAPIKeys, "k"), "h")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DrainBudget() <= cfg.OpenAI.Timeout {
		t.Errorf("default drain budget %s does not cover the default OPENAI_TIMEOUT %s", cfg.DrainBudget(), cfg.OpenAI.Timeout)
	}
}

func TestFileDescriptors(t *testing.T) {
	cfg, err := Load(env(EnvAPIKeys, "k", EnvOpenAIKey, "sk", EnvMaxConnections, "100", EnvMaxInFlightRequests, "10"), "h")
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.FileDescriptors(); got != 100+10+FileDescriptorReserve {
		t.Errorf("with OpenAI: %d", got)
	}
	cfg.OpenAI.APIKey = ""
	if got := cfg.FileDescriptors(); got != 100+2*10+FileDescriptorReserve {
		t.Errorf("with the built-in simulator: %d", got)
	}
}

func TestParsePort(t *testing.T) {
	for in, want := range map[string]string{"8080": "8080", " 9090 ": "9090", "0080": "80", "65535": "65535",
		"+80": "", "-1": "", "0": "", "65536": "", "8o": "", "": "", "99999999999999999999": ""} {
		got, ok := ParsePort(in)
		if got != want || ok != (want != "") {
			t.Errorf("ParsePort(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
