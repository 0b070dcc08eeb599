package openaisim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/scanium/openai-monitoring/backend/openaisim"
	"github.com/scanium/openai-monitoring/internal/envconfig"
	"github.com/scanium/openai-monitoring/internal/envconfig/envconfigtest"
)

func lookupOf(kv map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := kv[k]; return v, ok }
}

func TestFromEnv(t *testing.T) {
	base := openaisim.DemoConfig()
	for _, tc := range []struct {
		name   string
		env    map[string]string
		faults string
		check  func(t *testing.T, c openaisim.Config)
	}{
		{name: "nothing set keeps the base", env: nil, faults: "429:0.01,500:0.02",
			check: func(t *testing.T, c openaisim.Config) {
				if c.Latency.Median != base.Latency.Median || c.Seed != base.Seed || !c.Latency.Pace.Equal(base.Latency.Pace) {
					t.Errorf("got %+v, want the base %+v", c, base)
				}
			}},
		{name: "SIM_FAULTS set empty is no faults", env: map[string]string{"SIM_FAULTS": ""}, faults: ""},
		{name: "SIM_FAULTS none", env: map[string]string{"SIM_FAULTS": "none"}, faults: ""},
		{name: "SIM_FAULTS forced", env: map[string]string{"SIM_FAULTS": "500:1"}, faults: "500:1"},
		{name: "latency, pace, limits and seed", faults: "429:0.01,500:0.02", env: map[string]string{
			"SIM_LATENCY_MEDIAN": "10ms", "SIM_LATENCY_P99": "50ms", "SIM_PACE": "0", "SIM_HANG_MAX": "1s",
			"SIM_LIMIT_REQUESTS": "7", "SIM_LIMIT_REQUESTS_WINDOW": "2s", "SIM_LIMIT_TOKENS": "900", "SIM_LIMIT_TOKENS_WINDOW": "3s",
			"SIM_SEED": "42",
		}, check: func(t *testing.T, c openaisim.Config) {
			want := openaisim.RateLimits{Requests: 7, RequestWindow: 2 * time.Second, Tokens: 900, TokenWindow: 3 * time.Second}
			if c.Latency.Median != 10*time.Millisecond || c.Latency.P99 != 50*time.Millisecond || c.HangMax != time.Second ||
				c.RateLimits != want || c.Seed != 42 || c.Latency.Pace.TokensPerSecond("gpt-4o-mini") != 0 {
				t.Errorf("got %+v", c)
			}
		}},
		{name: "an empty variable other than SIM_FAULTS is unset", faults: "429:0.01,500:0.02",
			env: map[string]string{"SIM_LATENCY_MEDIAN": "", "SIM_SEED": ""},
			check: func(t *testing.T, c openaisim.Config) {
				if c.Latency.Median != base.Latency.Median || c.Seed != base.Seed {
					t.Errorf("got median %s seed %d, want the base's", c.Latency.Median, c.Seed)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := openaisim.FromEnv(lookupOf(tc.env), base)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.FaultRates.String(); got != tc.faults {
				t.Errorf("faults %q, want %q", got, tc.faults)
			}
			if tc.check != nil {
				tc.check(t, c)
			}
		})
	}
	if base.FaultRates.String() != "429:0.01,500:0.02" {
		t.Errorf("FromEnv changed its base's faults: %s", base.FaultRates)
	}
}

func TestFromEnvReportsEveryProblem(t *testing.T) {
	_, err := openaisim.FromEnv(lookupOf(map[string]string{
		"SIM_FAULTS": "500:2", "SIM_LATENCY_MEDIAN": "soon", "SIM_LIMIT_REQUESTS": "many", "SIM_PACE": "fast",
	}), openaisim.DefaultConfig())
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`SIM_FAULTS="500:2"`, "from 0 to 1", `SIM_LATENCY_MEDIAN="soon"`, "median time to first token",
		`SIM_LIMIT_REQUESTS="many"`, `SIM_PACE="fast"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	_, err = openaisim.FromEnv(lookupOf(map[string]string{"SIM_LATENCY_MEDIAN": "2s", "SIM_LATENCY_P99": "1s"}), openaisim.DefaultConfig())
	if err == nil || !strings.Contains(err.Error(), "below the median") {
		t.Errorf("a p99 below the median: %v", err)
	}
}

func TestDemoFaultRatesAreValid(t *testing.T) {
	r := openaisim.DemoFaultRates()
	if err := r.Validate(); err != nil || r[openaisim.Fault500] != 0.02 || r[openaisim.Fault429] != 0.01 || len(r) != 2 {
		t.Errorf("DemoFaultRates() = %s (%v)", r, err)
	}
	demo, def := openaisim.DemoConfig(), openaisim.DefaultConfig()
	if demo.FaultRates.String() != r.String() || demo.Latency.Median != def.Latency.Median || demo.RateLimits != def.RateLimits || demo.Seed != def.Seed {
		t.Errorf("DemoConfig() = %+v, want DefaultConfig() %+v with the demo's faults", demo, def)
	}
	if err := demo.Validate(); err != nil {
		t.Error(err)
	}
}

// TestSettingsAreWhatFromEnvReads: Settings declares exactly the variables
// FromEnv reads, each once, with a doc, a flag named after it and the
// base's value as its default.
func TestSettingsAreWhatFromEnvReads(t *testing.T) {
	asked := map[string]bool{}
	if _, err := openaisim.FromEnv(func(k string) (string, bool) { asked[k] = true; return "", false }, openaisim.DemoConfig()); err != nil {
		t.Fatal(err)
	}
	settings := openaisim.Settings(openaisim.DemoConfig())
	envconfigtest.CheckSettingsCoverReads(t, settings, asked)
	for _, s := range settings {
		if s.Flag == "" || openaisim.EnvName(s.Flag) != s.Env {
			t.Errorf("%s has no flag of its name: %q", s.Env, s.Flag)
		}
	}
	if got := settingOf(t, settings, "SIM_FAULTS").Default; got != openaisim.DemoFaultRates().String() {
		t.Errorf("SIM_FAULTS defaults to %q, want the base's %s", got, openaisim.DemoFaultRates())
	}
	if got := settingOf(t, settings, "SIM_LATENCY_MEDIAN").Default; got != openaisim.DefaultConfig().Latency.Median.String() {
		t.Errorf("SIM_LATENCY_MEDIAN defaults to %q", got)
	}
	if got := settingOf(t, openaisim.Settings(openaisim.DefaultConfig()), "SIM_FAULTS").Default; got != "none" {
		t.Errorf("no faults show as %q, want none", got)
	}
}

// TestReadTakesFlagsOverVariables: Read sets what the flags and variables
// give, a flag over its variable, and names a bad value by where it came
// from.
func TestReadTakesFlagsOverVariables(t *testing.T) {
	c := openaisim.DefaultConfig()
	r := envconfig.NewReader(lookupOf(map[string]string{"SIM_SEED": "7", "SIM_LIMIT_TOKENS": "900", "SIM_HANG_MAX": "later"}),
		map[string]string{"seed": "9", "faults": "503:0.5", "latency-p99": "-"})
	openaisim.Read(r, &c)
	if c.Seed != 9 || c.RateLimits.Tokens != 900 || c.FaultRates.String() != "503:0.5" {
		t.Errorf("seed %d, tokens %d, faults %s; want 9, 900 and 503:0.5", c.Seed, c.RateLimits.Tokens, c.FaultRates)
	}
	def := openaisim.DefaultConfig()
	if c.HangMax != def.HangMax || c.Latency.P99 != def.Latency.P99 {
		t.Errorf("a bad value changed the setting: hang max %s, p99 %s", c.HangMax, c.Latency.P99)
	}
	var got []string
	for _, err := range r.Errors() {
		got = append(got, err.Error())
	}
	want := []string{
		`invalid value -latency-p99="-": not a duration: give a number with a unit, such as 250ms, or 0: set the 99th percentile time to first token; 0 for no tail`,
		`invalid value SIM_HANG_MAX="later": not a duration: give a number with a unit, such as 250ms, or 0: set the time a hang fault holds a request before a 504; 0 until the client leaves`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func settingOf(t *testing.T, settings []envconfig.Setting, env string) envconfig.Setting {
	t.Helper()
	for _, s := range settings {
		if s.Env == env {
			return s
		}
	}
	t.Fatalf("no setting %s", env)
	return envconfig.Setting{}
}
