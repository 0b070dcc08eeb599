package main

import (
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/scanium/openai-monitoring/backend/openaisim"
	"github.com/scanium/openai-monitoring/internal/envconfig/envconfigtest"
)

func TestParseOptions(t *testing.T) {
	defaults := openaisim.DefaultConfig()
	for _, tc := range []struct {
		name  string
		args  []string
		env   map[string]string
		check func(t *testing.T, o options)
		err   string
	}{
		{
			name: "defaults",
			check: func(t *testing.T, o options) {
				if o.addr != ":8090" || !sameLatency(o.sim.Latency, defaults.Latency) || o.sim.RateLimits != defaults.RateLimits || o.sim.Seed != defaults.Seed {
					t.Errorf("options = %+v, want :8090 and DefaultConfig", o)
				}
				if len(o.sim.FaultRates) != 0 || o.sim.APIKeys != nil || o.logLevel != slog.LevelInfo {
					t.Errorf("options = %+v, want no faults, any key, info logs", o)
				}
			},
		},
		{
			name: "environment",
			env: map[string]string{
				"SIM_ADDR": "127.0.0.1:9999", "SIM_LATENCY_MEDIAN": "250ms", "SIM_LATENCY_P99": "2s",
				"SIM_FAULTS": "500:0.02,429:0.01,hang:0.001", "SIM_SEED": "42", "SIM_LIMIT_REQUESTS": "60",
				"SIM_LIMIT_TOKENS_WINDOW": "10s", "SIM_API_KEYS": "sk-one, sk-two,", "SIM_MODELS": "gpt-4o-mini",
				"SIM_LOG_LEVEL": "debug", "SIM_HANG_MAX": "0", "SIM_PACE": "50,gpt-4o:40",
			},
			check: func(t *testing.T, o options) {
				want := openaisim.RateLimits{Requests: 60, RequestWindow: time.Minute, Tokens: defaults.RateLimits.Tokens, TokenWindow: 10 * time.Second}
				if o.addr != "127.0.0.1:9999" || !sameLatency(o.sim.Latency, openaisim.Latency{Median: 250 * time.Millisecond, P99: 2 * time.Second, Pace: openaisim.Pace{Default: 50, Models: map[string]float64{"gpt-4o": 40}}}) ||
					o.sim.Seed != 42 || o.sim.RateLimits != want || o.sim.HangMax != 0 || o.logLevel != slog.LevelDebug {
					t.Errorf("options = %+v, want the environment's values", o)
				}
				if got := o.sim.FaultRates.String(); got != "429:0.01,500:0.02,hang:0.001" {
					t.Errorf("faults = %q", got)
				}
				if strings.Join(o.sim.APIKeys, "|") != "sk-one|sk-two" || strings.Join(o.sim.Models, "|") != "gpt-4o-mini" {
					t.Errorf("keys = %d of them, models = %v; want 2 keys and gpt-4o-mini", len(o.sim.APIKeys), o.sim.Models)
				}
			},
		},
		{
			name: "a flag wins over its variable",
			args: []string{"-addr", ":7000", "-faults", "503:0.5,cut:0.1,error-chunk:0.1", "-latency-median=0", "-latency-p99=0", "-pace=0"},
			env:  map[string]string{"SIM_ADDR": ":6000", "SIM_FAULTS": "500:0.1"},
			check: func(t *testing.T, o options) {
				if o.addr != ":7000" || o.sim.FaultRates.String() != "503:0.5,cut:0.1,error-chunk:0.1" || !sameLatency(o.sim.Latency, openaisim.Latency{}) {
					t.Errorf("options = %+v, want the flags' values", o)
				}
			},
		},
		{name: "bad variable", env: map[string]string{"SIM_LATENCY_MEDIAN": "fast"}, err: `SIM_LATENCY_MEDIAN="fast"`},
		{name: "bad faults", env: map[string]string{"SIM_FAULTS": "500:2"}, err: "from 0 to 1"},
		{name: "bad pace", env: map[string]string{"SIM_PACE": "gpt-4o:fast"}, err: `SIM_PACE="gpt-4o:fast"`},
		{name: "bad flag", args: []string{"-seed", "-1"}, err: "invalid value"},
		{name: "unknown flag", args: []string{"-api-key", "sk-x"}, err: "flag provided but not defined"},
		{name: "argument", args: []string{"serve"}, err: `unexpected argument "serve"`},
		{name: "p99 below median", args: []string{"-latency-median", "2s", "-latency-p99", "1s"}, err: "below the median"},
		{name: "no key in the list", env: map[string]string{"SIM_API_KEYS": " , "}, err: "SIM_API_KEYS holds no key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(k string) string { return tc.env[k] }
			o, err := parseOptions(tc.args, getenv, io.Discard)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error = %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseOptions: %v", err)
			}
			tc.check(t, o)
		})
	}
}

func TestEveryFlagHasAVariable(t *testing.T) {
	var help strings.Builder
	if _, err := parseOptions([]string{"-h"}, func(string) string { return "" }, &help); err == nil {
		t.Fatal("-h did not stop parsing")
	}
	for _, env := range []string{"SIM_ADDR", "SIM_FAULTS", "SIM_SEED", "SIM_LATENCY_MEDIAN", "SIM_LATENCY_P99", "SIM_LIMIT_REQUESTS", "SIM_LIMIT_TOKENS", "SIM_API_KEYS", "SIM_PACE"} {
		if !strings.Contains(help.String(), env) {
			t.Errorf("the help does not mention %s", env)
		}
	}
	for _, fault := range []string{"cut", "error-chunk", "time to first token", "tokens per second"} {
		if !strings.Contains(help.String(), fault) {
			t.Errorf("the help does not mention %s", fault)
		}
	}
}

func sameLatency(a, b openaisim.Latency) bool {
	return a.Median == b.Median && a.P99 == b.P99 && a.Pace.Equal(b.Pace)
}

// TestHelpListsEveryVariableRead: the settings are exactly the variables
// parseOptions reads, and each is in the help with its flag, but
// SIM_API_KEYS, which has none.
func TestHelpListsEveryVariableRead(t *testing.T) {
	asked := map[string]bool{}
	if _, err := parseOptions(nil, func(k string) string { asked[k] = true; return "" }, io.Discard); err != nil {
		t.Fatal(err)
	}
	envconfigtest.CheckSettingsCoverReads(t, declare().settings(openaisim.DefaultConfig()), asked)
	var help strings.Builder
	if _, err := parseOptions([]string{"-h"}, func(string) string { return "" }, &help); err == nil {
		t.Fatal("-h did not stop parsing")
	}
	if len(asked) < 14 {
		t.Fatalf("parseOptions read only %v", asked)
	}
	for env := range asked {
		entry := "  " + env
		if env != "SIM_API_KEYS" {
			entry = "  -" + strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(env, "SIM_")), "_", "-") + ", " + env
		}
		if !strings.Contains(help.String(), entry+" (default ") {
			t.Errorf("the help lacks %q with its default:\n%s", entry, help.String())
		}
	}
	if strings.Contains(help.String(), "-api-keys") {
		t.Error("the help offers the keys as a flag")
	}
}
