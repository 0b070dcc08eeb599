package config

import (
	"strings"
	"testing"
)

func TestLoadTraceAndLogDefaults(t *testing.T) {
	cfg, err := Load(env(EnvAPIKeys, "k"), "h")
	if err != nil {
		t.Fatal(err)
	}
	tel := cfg.Telemetry
	if tel.Traces != (Signal{Enabled: true, URL: DefaultOTLPEndpoint + "/v1/traces"}) ||
		tel.Logs != (Signal{Enabled: true, URL: DefaultOTLPEndpoint + "/v1/logs"}) {
		t.Errorf("traces %+v logs %+v", tel.Traces, tel.Logs)
	}
	if tel.Sampler != (Sampler{Name: SamplerParentBasedAlwaysOn, Ratio: 1}) || tel.CaptureMessageContent {
		t.Errorf("sampler %+v capture %v", tel.Sampler, tel.CaptureMessageContent)
	}
}

func TestLoadTraceAndLogEndpoints(t *testing.T) {
	for _, tc := range []struct {
		name         string
		env          LookupFunc
		traces, logs Signal
	}{
		{"base endpoint with a slash", env(EnvAPIKeys, "k", EnvOTLPEndpoint, "http://scanium-alloy:4318/"),
			Signal{true, "http://scanium-alloy:4318/v1/traces"}, Signal{true, "http://scanium-alloy:4318/v1/logs"}},
		{"signal endpoints as given", env(EnvAPIKeys, "k", EnvOTLPEndpoint, "http://alloy:4318",
			EnvOTLPTracesEndpoint, "http://tempo:4318/custom", EnvOTLPLogsEndpoint, "http://loki:3100/otlp/v1/logs"),
			Signal{true, "http://tempo:4318/custom"}, Signal{true, "http://loki:3100/otlp/v1/logs"}},
		{"metrics endpoint does not move the others", env(EnvAPIKeys, "k", EnvOTLPMetricsEndpoint, "http://mimir:9009/otlp/v1/metrics"),
			Signal{true, DefaultOTLPEndpoint + "/v1/traces"}, Signal{true, DefaultOTLPEndpoint + "/v1/logs"}},
		{"off", env(EnvAPIKeys, "k", EnvTracesExporter, "none", EnvLogsExporter, " NONE ", EnvOTLPTracesEndpoint, "not a url"),
			Signal{}, Signal{}},
		{"otlp spelled out", env(EnvAPIKeys, "k", EnvTracesExporter, "otlp", EnvLogsExporter, "otlp"),
			Signal{true, DefaultOTLPEndpoint + "/v1/traces"}, Signal{true, DefaultOTLPEndpoint + "/v1/logs"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load(tc.env, "h")
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Telemetry.Traces != tc.traces || cfg.Telemetry.Logs != tc.logs {
				t.Errorf("traces %+v logs %+v, want %+v and %+v", cfg.Telemetry.Traces, cfg.Telemetry.Logs, tc.traces, tc.logs)
			}
		})
	}
}

func TestLoadSampler(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  LookupFunc
		want Sampler
	}{
		{"always off", env(EnvAPIKeys, "k", EnvTracesSampler, "always_off"), Sampler{SamplerAlwaysOff, 1}},
		{"argument ignored by a sampler without one", env(EnvAPIKeys, "k", EnvTracesSampler, "parentbased_always_off", EnvTracesSamplerArg, "x"), Sampler{SamplerParentBasedAlwaysOff, 1}},
		{"ratio", env(EnvAPIKeys, "k", EnvTracesSampler, "parentbased_traceidratio", EnvTracesSamplerArg, "0.25"), Sampler{SamplerParentBasedTraceIDRatio, 0.25}},
		{"ratio default", env(EnvAPIKeys, "k", EnvTracesSampler, "TraceIdRatio"), Sampler{SamplerTraceIDRatio, 1}},
		{"ratio zero", env(EnvAPIKeys, "k", EnvTracesSampler, "traceidratio", EnvTracesSamplerArg, "0"), Sampler{SamplerTraceIDRatio, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load(tc.env, "h")
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Telemetry.Sampler != tc.want {
				t.Errorf("sampler %+v, want %+v", cfg.Telemetry.Sampler, tc.want)
			}
		})
	}
}

func TestLoadCaptureMessageContent(t *testing.T) {
	cfg, err := Load(env(EnvAPIKeys, "k", EnvCaptureMessageContent, "true"), "h")
	if err != nil || !cfg.Telemetry.CaptureMessageContent {
		t.Fatalf("capture %v err %v", cfg.Telemetry.CaptureMessageContent, err)
	}
}

func TestLoadTraceAndLogErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  LookupFunc
		want string
	}{
		{"traces exporter", env(EnvAPIKeys, "k", EnvTracesExporter, "jaeger"), `OTEL_TRACES_EXPORTER: "jaeger" is not an exporter the backend has: use otlp (the default) or none`},
		{"logs exporter", env(EnvAPIKeys, "k", EnvLogsExporter, "console"), `OTEL_LOGS_EXPORTER: "console" is not an exporter the backend has: use otlp (the default) or none`},
		{"traces endpoint", env(EnvAPIKeys, "k", EnvOTLPTracesEndpoint, "tempo:4318"), "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "},
		{"logs endpoint creds", env(EnvAPIKeys, "k", EnvOTLPLogsEndpoint, "http://u:hunter2@loki/v1/logs"), "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: the URL carries credentials"},
		{"base endpoint behind a metrics endpoint", env(EnvAPIKeys, "k", EnvOTLPMetricsEndpoint, "http://mimir:9009/otlp/v1/metrics", EnvOTLPEndpoint, "alloy"), "OTEL_EXPORTER_OTLP_ENDPOINT: "},
		{"sampler", env(EnvAPIKeys, "k", EnvTracesSampler, "jaeger_remote"), `OTEL_TRACES_SAMPLER: "jaeger_remote" is not a sampler the backend has: use parentbased_always_on (the default)`},
		{"sampler arg", env(EnvAPIKeys, "k", EnvTracesSampler, "traceidratio", EnvTracesSamplerArg, "1.5"), `OTEL_TRACES_SAMPLER_ARG: "1.5" is not a sampling ratio: use a number from 0 to 1`},
		{"sampler arg word", env(EnvAPIKeys, "k", EnvTracesSampler, "parentbased_traceidratio", EnvTracesSamplerArg, "NaN"), `OTEL_TRACES_SAMPLER_ARG: "NaN" is not a sampling ratio`},
		{"capture", env(EnvAPIKeys, "k", EnvCaptureMessageContent, "yes"), `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: "yes" is not a boolean`},
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
				t.Error("the error shows a credential")
			}
		})
	}
}

func TestBaseEndpointErrorReportedOnce(t *testing.T) {
	_, err := Load(env(EnvAPIKeys, "k", EnvOTLPEndpoint, "alloy"), "h")
	if err == nil || strings.Count(err.Error(), EnvOTLPEndpoint+":") != 1 {
		t.Errorf("error %q: want %s reported once", err, EnvOTLPEndpoint)
	}
}
