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
		tel.MetricsURL != DefaultOTLPEndpoint+"/v1/metrics" || tel.ExportInterval != 10*time.Second || tel.HostName != "nas-1" {
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
