package config

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// leakMark starts every secret the fuzzer makes: no printed form of a
// configuration or an error may hold it.
const leakMark = "LEAKMARK"

// fuzzedVariables are the variables FuzzLoad sets, in the order of its
// arguments.
var fuzzedVariables = []string{
	EnvPort, EnvAPIKeys, EnvOpenAIKey, EnvOpenAIBaseURL, EnvOpenAIModel, EnvOpenAITimeout,
	EnvOpenAIMaxRetries, EnvOpenAIMaxResponse, EnvOTelEnabled, EnvOTLPEndpoint, EnvMetricExportInterval,
	EnvOTLPTimeout, EnvShutdownTimeout, EnvMaxInFlightRequests, EnvMaxConnections, EnvMaxHeaderBytes,
}

// everyVariable is every variable Load reads.
var everyVariable = append(slices.Clone(fuzzedVariables),
	EnvAppEnv, EnvLogLevel, EnvOTelSDKDisabled, EnvOTelServiceName, EnvOTLPMetricsEndpoint, EnvOTLPMetricsTimeout)

// FuzzLoad loads fuzzed values of the variables. Load never panics; an
// error names a variable on each of its lines and never shows a secret; a
// loaded configuration keeps its own invariants.
func FuzzLoad(f *testing.F) {
	f.Fuzz(func(t *testing.T, port, apiKeys, openAIKey, baseURL, model, openAITimeout, retries, maxResponse,
		enabled, endpoint, interval, exportTimeout, shutdown, inFlight, connections, headerBytes string) {
		values := []string{port, apiKeys, openAIKey, baseURL, model, openAITimeout, retries, maxResponse,
			enabled, endpoint, interval, exportTimeout, shutdown, inFlight, connections, headerBytes}
		// Secrets carry the mark, unless another value does too (then a
		// printed mark proves nothing).
		checkLeaks := !slices.ContainsFunc(values, func(v string) bool { return strings.Contains(v, leakMark) })
		if apiKeys != "" {
			parts := strings.Split(apiKeys, ",")
			for i := range parts {
				parts[i] = leakMark + parts[i]
			}
			values[1] = strings.Join(parts, ",")
		}
		if openAIKey != "" {
			values[2] = leakMark + openAIKey
		}
		vars := map[string]string{}
		for i, key := range fuzzedVariables {
			vars[key] = values[i]
		}
		cfg, err := Load(func(k string) (string, bool) { v, ok := vars[k]; return v, ok }, "fuzz-host")
		if err != nil {
			checkError(t, err, checkLeaks)
			return
		}
		checkInvariants(t, cfg)
		if checkLeaks {
			js, _ := json.Marshal(cfg)
			for _, out := range []string{fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg), string(js)} {
				if strings.Contains(out, leakMark) {
					t.Fatalf("a secret is printed: %s", out)
				}
			}
		}
	})
}

func checkError(t *testing.T, err error, checkLeaks bool) {
	t.Helper()
	msg := err.Error()
	if checkLeaks && strings.Contains(msg, leakMark) {
		t.Fatalf("the error shows a secret: %s", msg)
	}
	lines := strings.Split(msg, "\n")
	if lines[0] != "invalid configuration:" || len(lines) < 2 {
		t.Fatalf("error %q does not list its problems", msg)
	}
	for _, line := range lines[1:] {
		name, _, ok := strings.Cut(strings.TrimPrefix(line, "  "), ": ")
		if !ok || !slices.Contains(everyVariable, name) {
			t.Fatalf("error line %q does not begin with the variable it is about", line)
		}
	}
}

func checkInvariants(t *testing.T, cfg Config) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("loaded, but "+format, args...)
	}
	if n, err := strconv.Atoi(cfg.Port); err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != cfg.Port {
		fail("PORT %q is not a TCP port in canonical form", cfg.Port)
	}
	if len(cfg.APIKeys) == 0 || slices.ContainsFunc(cfg.APIKeys, func(k Secret) bool { return !k.IsSet() || strings.TrimSpace(k.Reveal()) != k.Reveal() }) {
		fail("the client keys %d are empty or untrimmed", len(cfg.APIKeys))
	}
	o := cfg.OpenAI
	if o.Timeout < minimumOpenAITimeout || o.MaxRetries < 0 || o.MaxRetries > maxRetriesUpperBound ||
		o.MaxResponseBytes < minimumMaxResponseBytes || o.MaxResponseBytes > maximumMaxResponseBytes {
		fail("OpenAI settings out of range: %+v", o)
	}
	if len(o.Model) > maximumModelNameLength || !modelName.MatchString(o.Model) {
		fail("model %q", o.Model)
	}
	if o.CustomBaseURL && o.UseSimulator() {
		fail("a custom base URL without a key")
	}
	for what, raw := range map[string]string{"base URL": o.BaseURL, "metrics URL": cfg.Telemetry.MetricsURL} {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			fail("%s %q is not a plain http(s) URL", what, raw)
		}
	}
	tel := cfg.Telemetry
	if tel.ExportInterval < minimumExportInterval || tel.ExportInterval > maximumExportInterval ||
		tel.ExportTimeout < minimumExportTimeout || tel.ExportTimeout > maximumExportTimeout {
		fail("export interval %s, timeout %s", tel.ExportInterval, tel.ExportTimeout)
	}
	s := cfg.Server
	if s.MaxInFlightRequests < 1 || s.MaxConnections <= s.MaxInFlightRequests || s.MaxConnections > maximumConnections ||
		s.MaxHeaderBytes < minimumMaxHeaderBytes || s.MaxHeaderBytes > maximumMaxHeaderBytes {
		fail("server limits %+v", s)
	}
	if cfg.DrainBudget() < MinimumDrainBudget || cfg.DrainBudget()+cfg.FinalExportBudget() != cfg.ShutdownTimeout {
		fail("shutdown %s: drain %s, final export %s", cfg.ShutdownTimeout, cfg.DrainBudget(), cfg.FinalExportBudget())
	}
}
